"""Every status the API answers in the suite is in the OpenAPI document
(tests/openapi_coverage.py): the comparison, the recording in this very run,
and a pytest run — alone and under xdist — that fails when a test sees an
undocumented status and passes when it sees only documented ones."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.openapi_coverage import KEY, openapi_path, undocumented

REPO = Path(__file__).resolve().parents[2]
SPEC = {"paths": {"/api/v1/items/{item_id}": {"get": {"responses": {"200": {}, "404": {}}},
                                              "patch": {"responses": {"2XX": {}}}},
                  "/api/v1/me": {"get": {"responses": {"default": {}}}}}}


def test_openapi_path_turns_flask_rules_into_templates():
    assert openapi_path("/api/v1/items/<int:item_id>") == "/api/v1/items/{item_id}"
    assert openapi_path("/api/v1/channels/<slug>/blackout-dates/<day>") == "/api/v1/channels/{slug}/blackout-dates/{day}"


def test_a_status_missing_from_its_operation_is_reported():
    seen = {("get", "/api/v1/items/{item_id}", 200), ("get", "/api/v1/items/{item_id}", 304)}
    assert undocumented(seen, SPEC) == [("get", "/api/v1/items/{item_id}", 304)]


def test_an_operation_missing_from_the_document_is_reported():
    seen = {("delete", "/api/v1/items/{item_id}", 200), ("get", "/api/v1/nowhere", 200)}
    assert undocumented(seen, SPEC) == [("delete", "/api/v1/items/{item_id}", 200), ("get", "/api/v1/nowhere", 200)]


def test_ranges_and_default_cover_their_statuses():
    seen = {("patch", "/api/v1/items/{item_id}", 204), ("get", "/api/v1/me", 418)}
    assert undocumented(seen, SPEC) == []
    assert undocumented({("patch", "/api/v1/items/{item_id}", 409)}, SPEC) == [("patch", "/api/v1/items/{item_id}", 409)]


def test_this_run_records_the_api_answers_its_tests_see(request, client):
    recorder = request.config.pluginmanager.get_plugin(KEY)
    assert recorder is not None
    client.get("/api/v1/items/1")  # no credentials: 401
    client.get("/login")  # not the API: not recorded
    assert ("get", "/api/v1/items/{item_id}", 401) in recorder.seen
    assert not [entry for entry in recorder.seen if not entry[1].startswith("/api/v1/")]


FIXTURE = '''
from workflow import create_app


def app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fixture.sqlite3",
                       "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}, config_name="testing")


def test_documented(tmp_path):
    assert app(tmp_path).test_client().get("/api/v1/openapi.json").status_code == 200


def test_undocumented(tmp_path):
    flask_app = app(tmp_path)
    flask_app.view_functions["api.me"] = lambda: ("I'm a teapot", 418)
    assert flask_app.test_client().get("/api/v1/me").status_code == 418
'''


def run_pytest(tmp_path, *args):
    """pytest on the fixture file in a subprocess with only this plugin loaded."""
    (tmp_path / "test_fixture_statuses.py").write_text(textwrap.dedent(FIXTURE))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RELAIS_API_STATUSES"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.openapi_coverage", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["alone", "xdist"])
def test_a_run_that_sees_an_undocumented_status_fails(tmp_path, workers):
    result = run_pytest(tmp_path, *workers, str(tmp_path / "test_fixture_statuses.py"))
    output = result.stdout + result.stderr
    assert "2 passed" in output, output
    assert result.returncode == 1, output
    assert "API answers missing from the OpenAPI document" in output
    assert "418 GET /api/v1/me" in output
    assert "200 GET /api/v1/openapi.json" not in output


def test_a_run_that_sees_only_documented_statuses_passes(tmp_path):
    result = run_pytest(tmp_path, str(tmp_path / "test_fixture_statuses.py") + "::test_documented")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing from the OpenAPI document" not in result.stdout
