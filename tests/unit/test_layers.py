"""The domain layer stays pure: no Flask, SQLAlchemy or marshmallow, and
nothing from the rest of ``workflow``. Checked by reading the imports."""
import ast
from pathlib import Path

import pytest

DOMAIN_PACKAGE = "workflow.domain"
DOMAIN_DIR = Path(__file__).resolve().parents[2] / "workflow" / "domain"
FORBIDDEN_ROOTS = ("flask", "sqlalchemy", "marshmallow")


def _module_name(path):
    relative = path.relative_to(DOMAIN_DIR).with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join([DOMAIN_PACKAGE, *parts])


def _package_of(module_name, path):
    return module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]


def imported_modules(source, package):
    """Absolute names of every module ``source`` imports, relative imports
    resolved against ``package``."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            # Qualify each name so "from .. import extensions" reads as
            # workflow.extensions and "from workflow import domain" as workflow.domain.
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def forbidden_imports(source, package):
    bad = []
    for name in imported_modules(source, package):
        root = name.split(".")[0]
        if root in FORBIDDEN_ROOTS or root.startswith("flask_"):
            bad.append(name)
        elif root == "workflow" and not (name == DOMAIN_PACKAGE or name.startswith(DOMAIN_PACKAGE + ".")):
            bad.append(name)
    return sorted(set(bad))


DOMAIN_FILES = sorted(DOMAIN_DIR.rglob("*.py"))


def test_domain_modules_are_found():
    assert {p.name for p in DOMAIN_FILES} >= {"states.py", "ranking.py", "scheduling.py", "roles.py"}


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_domain_module_imports_nothing_from_frameworks_or_outer_layers(path):
    module = _module_name(path)
    bad = forbidden_imports(path.read_text(encoding="utf-8"), _package_of(module, path))
    assert bad == [], f"{path.name} imports {bad}: the domain must stay plain Python"


# The checker itself must be able to fail.
@pytest.mark.parametrize("source", [
    "import flask",
    "from flask import current_app",
    "import flask_login",
    "from flask_sqlalchemy import SQLAlchemy",
    "import sqlalchemy.orm",
    "from sqlalchemy import select",
    "from marshmallow import fields",
    "from workflow.models import Item",
    "from workflow import db",
    "import workflow.services.items",
    "from ..models import Item",
    "from .. import extensions",
    "from workflow import *",
    "import workflow",
    "def f():\n    from flask import g\n",
])
def test_import_checker_flags_framework_and_outer_layer_imports(source):
    assert forbidden_imports(source, DOMAIN_PACKAGE) != []


@pytest.mark.parametrize("source", [
    "from .errors import Conflict",
    "from . import roles",
    "from workflow import domain",
    "from workflow.domain.states import STATES",
    "import workflow.domain.ranking",
    "from datetime import datetime",
    "from zoneinfo import ZoneInfo",
    "import flaskish_helper",
])
def test_import_checker_accepts_domain_and_standard_library_imports(source):
    assert forbidden_imports(source, DOMAIN_PACKAGE) == []
