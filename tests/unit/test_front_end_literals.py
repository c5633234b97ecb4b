"""The front end reads event types and states from the server and stays in small modules
(docs: CONVENTIONS.md, "The front end stays in small modules, one job each, … event names
and states read from the server"). These tests read static/js/**/*.js, without a browser."""
from pathlib import Path

import pytest
from babel.messages.jslexer import tokenize, unquote_string

from workflow.domain import events as ev
from workflow.domain import states as st

# Babel's JavaScript lexer (the one that extracts the scripts' msgids) says it is internal.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:babel.*", "ignore::DeprecationWarning")
JS = Path(__file__).resolve().parents[2] / "static" / "js"
MAX_LINES = 250
TRANSLATION_CALLS = {"_", "gettext", "ngettext"}
# Literals still spelled in a module, each with why it may stay for now.
ALLOWED: set[tuple[str, str]] = set()  # (module, literal) pairs allowed, with their reason


def modules():
    paths = sorted(JS.rglob("*.js"))
    assert paths, f"no module under {JS}"
    return paths


def forbidden_names():
    """Every board event type, the heartbeat's name, every state and the trash column."""
    return {*ev.BOARD_EVENT_TYPES, ev.BOARD_HEAD, *st.STATES, st.TRASH_COLUMN}


def string_literals(source):
    """(line, text) of each string literal of ``source`` that is not a translation's msgid."""
    previous = []  # the last two tokens that are not whitespace or comments
    for token in tokenize(source, template_string=True):
        if token.type in ("string", "template_string"):
            in_translation = (len(previous) == 2 and previous[0].type == "name"
                              and previous[0].value in TRANSLATION_CALLS and previous[1].value == "(")
            if not in_translation:
                text = unquote_string(token.value) if token.type == "string" else token.value.strip("`")
                yield token.lineno, text
        if token.type not in ("linecomment", "multilinecomment"):
            previous = (previous + [token])[-2:]


def test_no_script_spells_an_event_type_or_a_state():
    names = forbidden_names()
    found = []
    for path in modules():
        rel = path.relative_to(JS).as_posix()
        for line, text in string_literals(path.read_text(encoding="utf-8")):
            hits = {text} & names if text in names else {n for n in names if "." in n and n in text}
            found += [f"{rel}:{line}: {name!r}" for name in hits if (rel, name) not in ALLOWED]
    assert found == [], "read these from the page's config (events / states / event_types):\n" + "\n".join(found)


def test_the_check_catches_a_literal_and_spares_a_msgid():
    source = 'if (evt.type === "item.moved") x = _("published"); const s = `item.transitioned`;'
    literals = [text for _, text in string_literals(source)]
    assert "item.moved" in literals and "item.transitioned" in literals
    assert "published" not in literals


def test_no_module_is_longer_than_the_limit():
    long = {path.relative_to(JS).as_posix(): n for path in modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these modules by concern (at most {MAX_LINES} lines each): {long}"
