"""The scripts and style sheets speak no language of their own: a French sentence in a
JavaScript literal (outside ``_()``) reaches an English reader untranslated, and a word
a style sheet writes with ``content:`` ("✓ Publié", "(Pas de description)") is in one
language for every reader and out of the catalogue. Words go through the JS ``_()``
catalogue or the templates. Reads the files, no browser."""
import re
from pathlib import Path

import pytest
from babel.messages.jslexer import tokenize, unquote_string

from .test_source_language import FRENCH

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
STATIC = Path(__file__).resolve().parents[2] / "static"
TRANSLATION_CALLS = {"_", "gettext", "ngettext"}
# ``content:`` with a letter in it (an empty string, a symbol or counter() are layout).
CSS_WORDS = re.compile(r"""(?<![-\w])content\s*:\s*(["'])([^"']*[^\W\d_][^"']*)\1""")


def js_literals(source):
    """(line, text) of each string literal of ``source`` outside a translation call."""
    previous = []
    for token in tokenize(source, template_string=True):
        if token.type in ("string", "template_string"):
            in_call = (len(previous) == 2 and previous[0].type == "name"
                       and previous[0].value in TRANSLATION_CALLS and previous[1].value == "(")
            if not in_call:
                text = unquote_string(token.value) if token.type == "string" else token.value.strip("`")
                yield token.lineno, text
        if token.type not in ("linecomment", "multilinecomment"):
            previous = (previous + [token])[-2:]


def french_in_js(path, root=STATIC):
    return [f"{path.relative_to(root)}:{line}: {text!r}" for line, text in js_literals(path.read_text("utf-8"))
            if FRENCH.search(text)]


def words_in_css(path, root=STATIC):
    return [f"{path.relative_to(root)}: {m.group(0)}" for m in CSS_WORDS.finditer(path.read_text("utf-8"))]


def test_no_script_writes_french_outside_the_catalogue():
    found = [hit for path in sorted((STATIC / "js").rglob("*.js")) for hit in french_in_js(path)]
    assert found == []


def test_no_style_sheet_writes_words():
    found = [hit for path in sorted((STATIC / "css").rglob("*.css")) for hit in words_in_css(path)]
    assert found == []


def test_the_checks_catch_french_in_a_script_and_words_in_a_style_sheet(tmp_path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "calendar.js"
    script.write_text('toast(_("Choose a date."));\nstatus.textContent = "Choisissez une date et une heure.";\n')
    assert [hit.split(": ", 1)[1] for hit in french_in_js(script, tmp_path)] == [
        "'Choisissez une date et une heure.'"]
    sheet = tmp_path / "board.css"
    sheet.write_text('.a::before { content:""; }\n.published::after { content: "✓ Publié"; }\n.b { content:"→"; }\n')
    assert words_in_css(sheet, tmp_path) == ['board.css: content: "✓ Publié"']
