"""Languages: no template text escapes translation, the French catalogue has every
string, and a page, an API error and a date follow the reader's language and time zone."""
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n as jinja_i18n

from workflow.extensions import db
from workflow.i18n import PYTHON_KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
FRENCH_PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
# Words a template may show as they are, in any language.
UNTRANSLATED = {"Relais"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "aria-placeholder", "label"}
TRANSLATION_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l"}
LETTER = re.compile(r"[^\W\d_]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def shown_words(text):
    """The text without what needs no translation: the brand and web addresses."""
    text = re.sub(r"https?://\S*", " ", text)
    return " ".join(word for word in re.split(r"\s+", text) if word.strip("'\"") not in UNTRANSLATED)


def template_paths():
    return sorted(p for p in TEMPLATES.rglob("*.html"))


class VisibleText(HTMLParser):
    """Collects what a reader sees or hears: text nodes (not scripts or styles) and
    the attributes that are read out or shown (title, placeholder, aria-label…)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.found.append(f"{tag}[{name}]={attrs[name]!r}")
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.found.append(f"input[value]={attrs['value']!r}")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.found.append(data.strip())


def unmarked_strings(source):
    """The user-visible strings of a Jinja template that are not in a translation call:
    literal text outside {{ }}, {% %} and {# #}, and string literals with letters inside
    them that are not an argument of _()/ngettext() (accented or several words)."""
    env = Environment(extensions=[jinja_i18n])
    data, literals = [], []
    stack = []  # one entry per open parenthesis: is it a translation call?
    previous = None
    for _lineno, kind, value in env.lex(source):
        if kind == "data":
            data.append(value)
        elif kind in ("variable_begin", "block_begin"):
            data.append(" ")  # the rendered value stands here
            stack = []
        elif kind == "operator" and value in "([{":
            stack.append(previous is not None and previous[0] == "name" and previous[1] in TRANSLATION_CALLS)
        elif kind == "operator" and value in ")]}" and stack:
            stack.pop()
        elif kind == "string":
            inside_call = bool(stack) and stack[-1]
            # Several words, or an accented one: a sentence, not a CSS class or a key.
            words = [w for w in value.strip("'\"").split() if LETTER.search(w)]
            visible = len(words) > 1 or any(ch.isalpha() and ord(ch) > 127 for ch in value)
            if visible and not inside_call and "{{" not in value:
                literals.append(f"literal {value}")
        if kind not in ("whitespace",):
            previous = (kind, value)
    parser = VisibleText()
    parser.feed("".join(data))
    parser.close()
    texts = [t for t in parser.found if LETTER.search(shown_words(t.split("=", 1)[-1]))]
    return texts + literals


def test_the_scanner_catches_unmarked_text_and_accepts_marked_text():
    assert unmarked_strings("<p>Bonjour</p>") == ["Bonjour"]
    assert unmarked_strings('<input placeholder="Titre…">') == ["input[placeholder]='Titre…'"]
    assert unmarked_strings("<p>{{ 'Tout le monde' if x }}</p>") == ["literal 'Tout le monde'"]
    assert unmarked_strings('<p title="{{ _("Hello") }}">{{ _("Hi %(n)s", n=x) }} {{ user.name }}</p>') == []
    assert unmarked_strings("<script type='application/json'>{\"a\": \"b c\"}</script><p>Relais · 12</p>") == []


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_text_outside_translation_calls(path):
    assert unmarked_strings(path.read_text(encoding="utf-8")) == []


def extract_messages(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    *[arg for keyword in PYTHON_KEYWORDS for arg in ("-k", keyword)], "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def test_french_catalogue_translates_every_extracted_string(tmp_path):
    with FRENCH_PO.open("rb") as f:
        french = read_po(f, locale="fr")
    missing, untranslated, mismatched = [], [], []
    for message in extract_messages(tmp_path):
        entry = french.get(message.id)
        if entry is None:
            missing.append(message.id)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings) or entry.fuzzy:
            untranslated.append(message.id)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        if any(set(PLACEHOLDER.findall(s)) - wanted - {"num"} for s in strings) or \
                not all(wanted - {"num"} <= set(PLACEHOLDER.findall(s)) for s in strings):
            mismatched.append(message.id)
    assert (missing, untranslated, mismatched) == ([], [], [])


def test_extraction_finds_strings_of_templates_python_and_javascript(tmp_path):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract_messages(tmp_path)}
    assert {"Skip to content", "Not found", "Move cancelled.", "In review"} <= ids


def test_no_translation_call_hides_inside_a_javascript_template_literal():
    """Babel's extractor does not read inside `...${}...`: a _() there would never be translated."""
    from babel.messages.jslexer import tokenize

    hidden = []
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        for token in tokenize(path.read_text(encoding="utf-8"), template_string=True):
            if token.type == "template_string" and re.search(r"\$\{[^}]*\b(_|ngettext|gettext)\(", token.value):
                hidden.append(f"{path.name}:{token.lineno}")
    assert hidden == []


def set_user(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    db.session.commit()


@pytest.fixture
def password():
    from tests import factories as f

    return f.PASSWORD


def sign_in(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302


def test_board_speaks_english_to_an_english_user(client, world, password):
    set_user(world.agent, locale="en")
    sign_in(client, world.agent.username, password)
    html = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "In review" in html and "+ New item" in html
    assert "En relecture" not in html and "Nouvel élément" not in html


def test_board_speaks_french_to_a_french_user(client, world, password):
    sign_in(client, world.agent.username, password)
    html = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "En relecture" in html and "+ Nouvel élément" in html
    assert "In review" not in html


def test_board_scripts_get_their_strings_in_the_readers_language(client, world, password):
    sign_in(client, world.agent.username, password)
    html = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', html, re.S).group(1)
    import json

    data = json.loads(block)
    assert data["locale"] == "fr" and data["timezone"] == "Europe/Paris"
    assert data["messages"]["Move cancelled."] == "Déplacement annulé."
    assert data["messages"]["%(num)s card shown out of %(total)s"] == [
        "%(num)s carte affichée sur %(total)s", "%(num)s cartes affichées sur %(total)s"]


def test_signed_out_visitor_gets_the_browsers_language_else_french(client, world):
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "Connexion" in client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Connexion" in client.get("/login").get_data(as_text=True)


def test_language_switch_stores_the_users_choice(client, world, password):
    sign_in(client, world.agent.username, password)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/account/locale", data={"locale": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    db.session.refresh(world.agent)
    assert world.agent.locale == "en"
    assert "My working groups" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_an_unknown_language(client, world, password):
    sign_in(client, world.agent.username, password)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/account/locale", data={"locale": "xx", "csrf_token": token})
    assert response.status_code == 422
    db.session.refresh(world.agent)
    assert world.agent.locale == "fr"


def test_problem_title_and_detail_follow_the_callers_language(api, world):
    set_user(world.agent, locale="en")
    english = api(world.agent).get("/api/v1/items/999999")
    assert english.status_code == 404
    assert (english.json["title"], english.json["detail"]) == ("Not found", "No item 999999.")
    set_user(world.agent, locale="fr")
    french = api(world.agent).get("/api/v1/items/999999")
    assert (french.json["title"], french.json["detail"]) == ("Introuvable", "Aucun élément n° 999999.")


def test_an_outsider_is_told_in_french_that_the_item_does_not_exist(api, world, new_item):
    item = new_item(author=world.agent)
    outsider = api(world.other_agent).get(f"/api/v1/items/{item['id']}")
    assert outsider.status_code == 404
    assert (outsider.json["title"], outsider.json["detail"]) == ("Introuvable", f"Aucun élément n° {item['id']}.")


def test_dates_follow_the_readers_language_and_time_zone(app, world):
    from flask_babel import refresh
    from flask_login import login_user

    from workflow.i18n import format_moment

    moment = datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc)
    with app.test_request_context("/"):
        login_user(world.agent)
        refresh()
        assert format_moment(moment) == "01/06/2026 12:00"  # Paris, summer time
    set_user(world.lead, locale="en", timezone="America/New_York")
    with app.test_request_context("/"):
        login_user(world.lead)
        refresh()
        assert format_moment(moment) == "6/1/26, 6:00\u202fAM"


def test_catalogues_are_compiled_when_stale(tmp_path):
    from workflow.i18n import compile_stale_catalogues

    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                        'msgid "Hello"\nmsgstr "Bonjour"\n', encoding="utf-8")
    compile_stale_catalogues(str(tmp_path))
    assert (folder / "messages.mo").stat().st_size > 0
    assert os.path.getmtime(folder / "messages.mo") == os.path.getmtime(folder / "messages.po")
    os.utime(folder / "messages.po", (1, 1))  # the .po changed (even to an older time): compiled again
    compile_stale_catalogues(str(tmp_path))
    assert os.path.getmtime(folder / "messages.mo") == 1
