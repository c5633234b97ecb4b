"""Every refusal a service (or the domain, or a door) raises is a msgid the door can
translate, and the French catalogue translates it: a French reader never sees an
English sentence. Checked by reading the sources with ``ast``: a domain error's
message must be an ``N_("…")`` call (or a name, or a lookup in a dict, whose values
are), and its field messages (``errors={field: [...]}``) must be ``N_("…")`` or
``Text(N_("…"), params)``. Costs no app and no database."""
import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "workflow"
FRENCH_PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
DOMAIN_ERRORS = {"DomainError", "Forbidden", "NotFound", "Conflict", "RuleBroken", "Invalid", "Unauthorized"}

# Field messages still plain English, in modules outside this change (their owners are
# editing them): ``(path, field)``. The test fails when one of them is fixed, so the
# list only shrinks.
PLAIN_FIELD_MESSAGES_TO_FIX = set()


def _is_n_call(node):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_" \
        and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)


def _marked_constants(tree):
    """Module-level names bound to ``N_("…")`` (a msgid) or to a dict whose values all are."""
    out = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if _is_n_call(value):
            out[node.targets[0].id] = [value.args[0].value]
        elif isinstance(value, ast.Dict) and value.values and all(_is_n_call(v) for v in value.values):
            out[node.targets[0].id] = [v.args[0].value for v in value.values]
    return out


def message_ids(node, constants):
    """The msgids ``node`` (a message expression) can be, or None when one of them is not marked."""
    if _is_n_call(node):
        return [node.args[0].value]
    if isinstance(node, ast.Name):  # MESSAGE
        return constants.get(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):  # MESSAGES[key]
        return constants.get(node.value.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name) and len(node.args) == 1:  # MESSAGES.get(key)
        return constants.get(node.func.value.id)
    if isinstance(node, ast.BoolOp):  # MESSAGES.get(key) or N_("…")
        parts = [message_ids(value, constants) for value in node.values]
    elif isinstance(node, ast.IfExp):
        parts = [message_ids(node.body, constants), message_ids(node.orelse, constants)]
    else:
        return None
    return None if any(p is None for p in parts) else [msgid for p in parts for msgid in p]


def field_message_ids(node, constants):
    """The msgids of one field message: ``N_("…")`` or ``Text(N_("…"), params)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Text" and node.args:
        return message_ids(node.args[0], constants)
    return message_ids(node, constants)


def _domain_error_names(tree, path):
    """The local names bound to the domain's error classes (``from …domain.errors import …``)."""
    names = set()
    in_domain = path.parent.name == "domain"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module.endswith("domain.errors") or (in_domain and node.module == "errors")):
            names.update(alias.asname or alias.name for alias in node.names if alias.name in DOMAIN_ERRORS)
    return names


def refusals(source, path):
    """``(line, what, msgids or None, field)`` for each domain error constructed in ``source``:
    its message (field None) and each of its field messages."""
    tree = ast.parse(source)
    classes = _domain_error_names(tree, path)
    constants = _marked_constants(tree)
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes):
            continue
        message = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "detail"), None)
        out.append((node.lineno, ast.unparse(message) if message is not None else "",
                    message_ids(message, constants) if message is not None else None, None))
        errors = next((k.value for k in node.keywords if k.arg == "errors"), None)
        if isinstance(errors, ast.Dict):
            for key, value in zip(errors.keys, errors.values, strict=False):
                field = key.value if isinstance(key, ast.Constant) else "<field>"
                items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else \
                    [value.elt] if isinstance(value, ast.ListComp) else [value]
                for item in items:
                    out.append((node.lineno, ast.unparse(item), field_message_ids(item, constants), field))
    return out


def french_catalogue():
    with FRENCH_PO.open("rb") as f:
        return read_po(f, locale="fr")


def untranslated(msgids, catalogue):
    return [m for m in msgids if not (catalogue.get(m) and catalogue.get(m).string and not catalogue.get(m).fuzzy)]


def problems(source, path, catalogue, known=frozenset()):
    """What is wrong with the refusals of one module (empty: all are translated msgids)."""
    relative = path.relative_to(ROOT).as_posix() if path.is_absolute() else path.as_posix()
    out = []
    for line, text, msgids, field in refusals(source, path):
        if msgids is None:
            if field is not None and (relative, field) in known:
                continue
            out.append(f"{relative}:{line}: {text} is not an N_() msgid")
        else:
            out.extend(f"{relative}:{line}: {m!r} has no French translation" for m in untranslated(msgids, catalogue))
    return out


SOURCES = sorted(PACKAGE_DIR.rglob("*.py"))


@pytest.fixture(scope="module")
def catalogue():
    return french_catalogue()


def test_every_domain_error_is_a_translated_msgid(catalogue):
    found = []
    for path in SOURCES:
        found.extend(problems(path.read_text(encoding="utf-8"), path, catalogue, PLAIN_FIELD_MESSAGES_TO_FIX))
    assert found == []


def test_the_scan_finds_the_refusals_of_the_services():
    source = (PACKAGE_DIR / "services" / "workflow.py").read_text(encoding="utf-8")
    texts = [text for _, text, _, _ in refusals(source, PACKAGE_DIR / "services" / "workflow.py")]
    assert "N_('This item is not claimed.')" in texts
    assert len(texts) >= 8


def test_the_fields_still_to_fix_are_still_plain():
    """An entry of PLAIN_FIELD_MESSAGES_TO_FIX that was fixed leaves the list."""
    plain = set()
    for path in SOURCES:
        for _, _, msgids, field in refusals(path.read_text(encoding="utf-8"), path):
            if field is not None and msgids is None:
                plain.add((path.relative_to(ROOT).as_posix(), field))
    assert PLAIN_FIELD_MESSAGES_TO_FIX - plain == set()


# The checker itself must be able to fail.
PLANTED = Path("workflow/services/planted.py")


@pytest.mark.parametrize("source", [
    'from ..domain.errors import NotFound\nraise NotFound("No such thing.")',
    'from ..domain.errors import Conflict\nraise Conflict(f"Item {item_id} moved.")',
    'from ..domain.errors import Forbidden as F\ndef f():\n    raise F("You may not." + extra)',
    'from ..domain.errors import N_, NotFound\nMESSAGES = {"a": "plain"}\nraise NotFound(MESSAGES[what])',
    'from ..domain.errors import N_, NotFound\nraise NotFound(N_("A sentence nobody translated, ever."))',
    'from ..domain.errors import N_, Invalid\nraise Invalid(N_("No such feed."), errors={"x": ["Too plain."]})',
    'from ..domain.errors import N_, Invalid, Text\n'
    'raise Invalid(N_("No such feed."), errors={"x": [Text(f"Not {y}", {})]})',
    'from ..domain.errors import N_, Invalid\n'
    'raise Invalid(N_("No such feed."), errors={"x": [f"Not ticked: {p}" for p in missing]})',
])
def test_the_checker_refuses_a_planted_refusal(source, catalogue):
    assert problems(source, PLANTED, catalogue) != []


@pytest.mark.parametrize("source", [
    'from ..domain.errors import N_, NotFound\nraise NotFound(N_("No such feed."))',
    'from ..domain.errors import N_, NotFound\nraise NotFound(N_("No notification %(id)s."), params={"id": 3})',
    'from ..domain.errors import N_, NotFound\nNOT_FOUND = {"item": N_("No such item.")}\n'
    'raise NotFound(NOT_FOUND.get(what) or N_("No such group."))',
    'from ..domain.errors import N_, Invalid, Text\n'
    'raise Invalid(N_("No such feed."), errors={"x": [Text(N_("Not ticked: %(label)s"), {"label": p}) for p in m]})',
    'from werkzeug.exceptions import Forbidden\nraise Forbidden("not a domain error")',
])
def test_the_checker_accepts_a_translated_refusal(source, catalogue):
    assert problems(source, PLANTED, catalogue) == []
