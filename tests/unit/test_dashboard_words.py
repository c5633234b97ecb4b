"""The dashboard's column headers and chart titles are msgids, translated at the door
(no template rendered to get them), and French has each of them."""
import ast
from pathlib import Path

from babel.messages.pofile import read_po

from workflow.services import dashboard

ROOT = Path(__file__).resolve().parents[2]
FRENCH_PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def msgids():
    for value in [*dashboard.WORDS.values(), *dashboard.TITLES.values()]:
        yield from value if isinstance(value, list) else [value]


def test_every_dashboard_word_has_a_french_translation():
    with FRENCH_PO.open("rb") as f:
        french = read_po(f, locale="fr")
    assert [m for m in msgids() if not (french.get(m) and french.get(m).string)] == []


def test_every_chart_has_a_title():
    assert set(dashboard.TITLES) == set(dashboard.CHARTS)


def test_the_doors_render_no_template_to_get_the_words():
    for path in (ROOT / "workflow" / "web" / "dashboard.py", ROOT / "workflow" / "api" / "dashboard.py"):
        calls = {node.func.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
        assert not calls & {"get_template", "make_module"}, path.name
