"""The Python code speaks English (msgids): a French sentence written in a string
literal would reach an English reader untranslated, and a French reader would
miss it if it changed. Only demo content, the suggested checklist points (data
that groups adopt and edit) and language names may be written in French."""
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow"
# French in these is content, not interface.
ALLOWED = {
    "workflow/demo.py": None,  # the demo network's items, names and comments
    "workflow/domain/reviews.py": "SUGGESTED_CHECKLISTS",  # suggested points, stored as the group's data
    "workflow/i18n.py": "LOCALE_NAMES",  # each language named in itself
}
# Accented letters, guillemets, or a French function word as written in a sentence (lower
# case or capitalised: "LA" is Pillow's luminance-alpha mode, not French).
FRENCH = re.compile(r"[àâçéèêëîïôûùüÿœæ«»ÀÂÇÉÈÊÎÔÛ]|\b(?:[Ll]e|[Ll]a|[Ll]es|[Dd]es|[Dd]u|[Uu]ne|[Vv]ous|est|sont|[Pp]our|[Aa]vec)\b")


def string_literals(source):
    """(line number, text, line) of each string literal that is not a docstring."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines()
    out = []
    previous = None
    for tok in tokens:
        if tok.type == tokenize.STRING:
            # A docstring is a string statement: it follows a newline/indent, not an operator or a name.
            is_docstring = previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT,
                                                                 tokenize.DEDENT, tokenize.NL) \
                and tok.line.strip().startswith(tok.string[:3])
            if not is_docstring:
                out.append((tok.start[0], tok.string, lines[tok.start[0] - 1]))
        if tok.type not in (tokenize.COMMENT, tokenize.NL):
            previous = tok
    return out


def french_literals(path):
    rel = path.relative_to(ROOT).as_posix()
    if rel in ALLOWED and ALLOWED[rel] is None:
        return []
    source = path.read_text(encoding="utf-8")
    allowed_block = ALLOWED.get(rel)
    skip = set()
    if allowed_block:
        start = next(i for i, line in enumerate(source.splitlines(), 1) if line.startswith(allowed_block))
        end = next(i for i, line in enumerate(source.splitlines(), 1) if i > start and line.startswith("}"))
        skip = set(range(start, end + 1))
    return [f"{rel}:{n}: {text}" for n, text, _line in string_literals(source)
            if n not in skip and FRENCH.search(text.strip("'\"fbr")) and not text.lstrip("fbr").startswith(("'%", '"%'))]


def test_the_scanner_finds_french_in_literals_and_not_in_docstrings_or_comments(tmp_path):
    sample = '''"""Module des médiathèques (a docstring)."""
def f():
    """Une fonction."""
    # un commentaire en français
    flash("Groupe créé.")
    return _("Group created.")
'''
    found = [text for _n, text, _line in string_literals(sample) if FRENCH.search(text)]
    assert found == ['"Groupe créé."']


def test_no_french_sentence_hides_in_the_python_code():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += french_literals(path)
    assert found == []
