"""A French reader never sees an English sentence: a pytest plugin that reads every
HTML page and problem+json body any Flask app of the run sends while the reader's
locale is French (Flask's ``request_finished`` signal, so the test client and the
browser tests' live server alike), and every socket ack sent to a French reader
(Flask-SocketIO's event dispatch), and fails the run when one of them holds the
English text of a msgid the French catalogue translates differently.

The English to look for is read once from translations/fr/LC_MESSAGES/messages.mo:
each msgid whose French differs, cut at its ``%(name)s`` placeholders into literal
fragments, keeping the fragments of at least ``MIN_WORDS`` words (shorter ones — "Save",
"In review" — are too often the same in both languages, or a name). A body is reduced
to its text (scripts and styles dropped, tags stripped, entities decoded, the text of
``title``/``aria-label``/``placeholder``/``alt`` attributes kept) and each distinct
body (by hash) is checked once: every run of three words of the text is looked up in
an index of the fragments' first three words, and only those candidates are searched
for, so a page costs a few word lookups, not one search per msgid.

Under pytest-xdist each worker hands its offenders to the controller through
``workeroutput``, as tests/openapi_coverage.py does. ``conftest.py`` installs it."""
import hashlib
import html
import json
import re
import time
from functools import lru_cache
from pathlib import Path

import pytest

KEY = "relais_english_leaks"
MO_PATH = Path(__file__).resolve().parents[1] / "translations" / "fr" / "LC_MESSAGES" / "messages.mo"
MIN_WORDS = 3
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[a-z_]+\}")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
DROPPED = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.S | re.I)
SPOKEN_ATTRIBUTES = re.compile(r"""\s(?:title|aria-label|placeholder|alt)\s*=\s*("[^"]*"|'[^']*')""", re.I)
TAG = re.compile(r"<[^>]*>")
HTML_LANG = re.compile(r"""<html\b[^>]*\slang=["']?([\w-]+)""", re.I)


def _words(text):
    return [w.lower() for w in WORD.findall(text)]


def _fragments(msgid):
    """The literal parts of ``msgid`` (cut at its placeholders) long enough to be English."""
    out = []
    for part in PLACEHOLDER.split(msgid):
        part = " ".join(part.split())
        if len(_words(part)) >= MIN_WORDS:
            out.append(part)
    return out


def english_index(catalog_messages):
    """``{first three words: [(fragment, msgid)]}`` for the msgids
    (``(id, translation)`` pairs; a plural's id and string are tuples) whose French
    differs from the English."""
    index = {}
    for msgid, msgstr in catalog_messages:
        ids = msgid if isinstance(msgid, (tuple, list)) else (msgid,)
        strs = msgstr if isinstance(msgstr, (tuple, list)) else (msgstr,)
        if not ids[0] or not any(strs):
            continue
        french = " ".join(" ".join(s.split()) for s in strs if s)
        for english in ids:
            for fragment in _fragments(english):
                if fragment in french:  # the same words in both languages: no leak to find
                    continue
                words = _words(fragment)
                # A fragment that starts or ends against a placeholder may start mid-word in
                # the text ("%(n)sth"): index it from its second word then.
                start = 1 if (english.find(fragment) > 0 and fragment[0].isalnum()
                              and len(words) > MIN_WORDS) else 0
                index.setdefault(tuple(words[start:start + 3]), []).append((fragment, english))
    return index


@lru_cache(maxsize=1)
def french_index():
    """The index of the compiled French catalogue (the app compiles a stale one when it starts)."""
    from babel.messages.mofile import read_mo

    from workflow.i18n import compile_stale_catalogues

    compile_stale_catalogues()
    with open(MO_PATH, "rb") as mo:
        catalog = read_mo(mo)
    return english_index((m.id, m.string) for m in catalog if m.id)


def html_text(body):
    """What a reader of the page reads: its text and the words of its spoken attributes."""
    body = DROPPED.sub(" ", body)
    spoken = [m.group(1)[1:-1] for m in SPOKEN_ATTRIBUTES.finditer(body)]
    return html.unescape(" ".join([TAG.sub(" ", body), *spoken]))


def json_text(value):
    """Every string value of a JSON document (not its keys), one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(json_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "\n".join(json_text(v) for v in value)
    return ""


def english_in(text, index=None):
    """The msgids of ``index`` (the French catalogue's by default) whose English ``text``
    contains, sorted."""
    index = french_index() if index is None else index
    words = _words(text)
    flat = " ".join(text.split())
    found = set()
    for i in range(len(words) - 2):
        for fragment, msgid in index.get((words[i], words[i + 1], words[i + 2]), ()):
            if fragment in flat:
                found.add(msgid)
    return sorted(found)



def _decoded(response):
    """The response's text as the reader gets it: undone from the brotli or gzip the
    app compressed it with (workflow/compression.py), None if it is not text."""
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding", "")
    try:
        if encoding == "br":
            import brotli

            data = brotli.decompress(data)
        elif encoding == "gzip":
            import gzip

            data = gzip.decompress(data)
        elif encoding:
            return None
        return data.decode(response.mimetype_params.get("charset", "utf-8"))
    except Exception:  # noqa: BLE001 - a body that does not decode is not a page for a reader
        return None

def sent_text(request):
    """What the request itself said — its path's segments, its query's and form's values,
    its JSON body's strings — longest first: a page or a problem that quotes the reader's
    own words back ("No channel 'Method not allowed'.") is not English to translate."""
    from urllib.parse import unquote

    said = [unquote(part) for part in request.path.split("/")]
    said += [v for values in request.args.listvalues() for v in values]
    try:  # a body too large, too deep or not JSON says nothing more
        said += [v for values in request.form.listvalues() for v in values]
        said += json_text(request.get_json(silent=True) or {}).split("\n")
    except Exception:  # noqa: BLE001 - the 413 and the RecursionError the app answered for
        pass
    return sorted({" ".join(w.split()) for w in said if len(_words(w)) >= MIN_WORDS}, key=len, reverse=True)


def without(text, quoted):
    """``text`` with every quotation of ``quoted`` (spaces folded) taken out."""
    flat = " ".join(text.split())
    for words in quoted:
        flat = flat.replace(words, " ")
    return flat


class EnglishLeakRecorder:
    def __init__(self, config):
        self.config = config
        self.seen = set()  # hashes of the bodies already read
        self.leaks = {}  # {msgid: first place it was seen}
        self.spent = 0.0  # seconds spent reading bodies, for ``-v`` to report
        self.read = 0  # distinct bodies read (every worker's)
        self._original_handle_event = None

    # ---- reading one body
    def check(self, where, text):
        started = time.perf_counter()
        digest = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest()
        if digest not in self.seen:
            self.seen.add(digest)
            for msgid in english_in(text):
                self.leaks.setdefault(msgid, where)
        self.spent += time.perf_counter() - started

    @staticmethod
    def _french():
        from flask_babel import get_locale

        try:
            return str(get_locale() or "") == "fr"
        except Exception:  # noqa: BLE001 - no app or no Babel: not a page for a reader
            return False

    def response_sent(self, sender, response, **extra):
        from flask import request

        mimetype = response.mimetype or ""
        if response.direct_passthrough or response.is_streamed or \
                mimetype not in ("text/html", "application/problem+json"):
            return
        body = _decoded(response)
        if body is None:
            return
        if mimetype == "text/html":
            # A page says its language (a page written for someone else, an invitation, says theirs).
            lang = HTML_LANG.search(body[:1000])
            if not (lang.group(1).startswith("fr") if lang else self._french()):
                return
            text = html_text(body)
        else:
            if not self._french():
                return
            try:
                text = json_text(json.loads(body))
            except ValueError:
                return
        self.check(f"{response.status_code} {request.method} {request.path}", without(text, sent_text(request)))

    def ack_sent(self, event, ack):
        if isinstance(ack, dict) and ack.get("ok") is False and self._french():
            self.check(f"socket ack of {event!r}", json_text(ack.get("error")))

    # ---- every process: listen to the apps and the sockets of this process
    def pytest_sessionstart(self, session):
        from flask import request_finished
        from flask_socketio import SocketIO

        request_finished.connect(self.response_sent, weak=False)
        recorder = self
        original = self._original_handle_event = SocketIO._handle_event

        def _handle_event(socketio_self, handler, message, namespace, sid, *args):
            def recorded(*handler_args):
                ack = handler(*handler_args)
                recorder.ack_sent(message, ack)  # inside the event's request context: its reader's locale
                return ack

            return original(socketio_self, recorded, message, namespace, sid, *args)

        SocketIO._handle_event = _handle_event

    # ---- xdist: workers send, the controller gathers
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {})
        for msgid, where in output.get(KEY, ()):
            self.leaks.setdefault(msgid, where)
        self.spent += output.get(KEY + "_spent", 0.0)
        self.read += output.get(KEY + "_read", 0)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        from flask import request_finished
        from flask_socketio import SocketIO

        request_finished.disconnect(self.response_sent)
        if self._original_handle_event is not None:
            SocketIO._handle_event = self._original_handle_event
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller judges
            workeroutput[KEY] = sorted(self.leaks.items())
            workeroutput[KEY + "_spent"] = self.spent
            workeroutput[KEY + "_read"] = len(self.seen)
            return
        self.read += len(self.seen)
        if self.leaks and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if self.config.option.verbose > 0 and self.read:
            terminalreporter.write_line(f"French check: {self.read} distinct bodies read in {self.spent:.2f} s "
                                        "(all workers together).")
        if not self.leaks:
            return
        terminalreporter.section("English shown to a French reader", red=True)
        for msgid, where in sorted(self.leaks.items()):
            terminalreporter.line(f"{where}: {msgid!r}", red=True)
        terminalreporter.line("Translate them where they are rendered (gettext, translate_error, the JS _()).")


def install(config):
    if not config.pluginmanager.has_plugin(KEY):
        config.pluginmanager.register(EnglishLeakRecorder(config), KEY)


def pytest_configure(config):  # when loaded with -p tests.french_coverage
    install(config)
