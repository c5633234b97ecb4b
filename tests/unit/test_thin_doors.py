"""Doors stay thin: no page handler queries who leads what itself (services.queries
does, once), no page compares roles where the domain's permission table decides, and
the app, not the API blueprint, owns the error handlers of every page. Checked by
reading the sources, so it costs no app and no database."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "workflow"
PAGES = sorted((WORKFLOW / "web").glob("*.py"))


def membership_queries(source):
    """The lines of ``source`` that touch the Membership model (a membership query)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Membership"]


def lead_role_queries(source):
    """The lines comparing ``<something>.role == "lead"`` (a "who leads" query written again)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "role" \
                and any((isinstance(c, ast.Constant) and c.value == "lead")
                        or (isinstance(c, (ast.Name, ast.Attribute)) and getattr(c, "id", getattr(c, "attr", "")) == "LEAD")
                        for c in node.comparators) \
                and isinstance(node.ops[0], ast.Eq):
            out.append(node.lineno)
    return out


def app_wide_handlers(source):
    """The lines registering an app-wide error handler from a blueprint (``bp.app_errorhandler``)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "app_errorhandler"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_page_handler_queries_memberships(path):
    assert membership_queries(path.read_text(encoding="utf-8")) == []


def test_who_leads_what_is_queried_once_in_services_queries():
    places = {path.relative_to(ROOT).as_posix(): lines for path in sorted(WORKFLOW.rglob("*.py"))
              if (lines := lead_role_queries(path.read_text(encoding="utf-8")))}
    assert list(places) == ["workflow/services/queries.py"]


def test_no_blueprint_registers_the_apps_error_handlers():
    places = [path.name for path in sorted(WORKFLOW.rglob("*.py"))
              if app_wide_handlers(path.read_text(encoding="utf-8"))]
    assert places == []


def test_create_app_registers_the_error_handlers():
    source = (WORKFLOW / "__init__.py").read_text(encoding="utf-8")
    assert "errors.init_app(app)" in source


# The checkers themselves must be able to fail.
def test_the_checkers_find_a_planted_query_and_handler():
    planted = ('lead_of = db.session.scalars(select(Membership.group_id).where(Membership.role == "lead"))\n'
               '@bp.app_errorhandler(404)\ndef missing(exc): ...\n'
               'leads = select(Membership.user_id).where(Membership.role == roles.LEAD)\n')
    assert sorted(membership_queries(planted)) == [1, 1, 4, 4]
    assert sorted(lead_role_queries(planted)) == [1, 4]
    assert app_wide_handlers(planted) == [2]
