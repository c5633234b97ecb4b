"""The linters are tests: `ruff check .` (ruff.toml) over the whole repository and
mypy (mypy.ini) over the domain and the services must pass."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(name):
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "--output-format", "concise", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes_on_the_domain_and_the_services():
    result = subprocess.run([_tool("mypy"), "workflow/domain", "workflow/services"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
