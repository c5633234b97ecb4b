"""The OpenAPI document as tools read it: it validates, every operation has a
unique readable operationId (so a generated client has readable function
names), public operations need no credentials, the headers the API accepts are
declared; and GET /items/<id> answers If-None-Match with 304."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from openapi_spec_validator import validate

from workflow.api.openapi import build_spec

SPEC = build_spec()
OPERATIONS = [(path, method, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]
PUBLIC = {("/api/v1/tokens", "post"), ("/api/v1/openapi.json", "get"),
          ("/api/v1/feeds/ical/{token}/calendar.ics", "get"),
          ("/api/v1/feeds/ical/{token}/groups/{group_id}/calendar.ics", "get"),
          ("/api/v1/feeds/channels/{slug}/atom.xml", "get")}


def test_openapi_document_validates_with_openapi_spec_validator(client):
    validate(client.get("/api/v1/openapi.json").get_json())


def test_every_operation_has_a_unique_camel_case_operation_id():
    ids = [op.get("operationId") for _, _, op in OPERATIONS]
    assert all(ids), [(p, m) for p, m, op in OPERATIONS if not op.get("operationId")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)*", i) for i in ids), ids
    assert {"moveItem", "getItem", "listEvents", "createToken"} <= set(ids)


def test_public_operations_declare_no_security_and_the_others_require_it():
    for path, method, op in OPERATIONS:
        if (path, method) in PUBLIC:
            assert op["security"] == [], (path, method)
            assert "401" not in op["responses"] or path == "/api/v1/tokens", (path, method)
        else:
            assert op["security"], (path, method)
            assert "401" in op["responses"], (path, method)


def test_every_authenticated_write_accepts_an_idempotency_key_and_documents_its_answers():
    for path, method, op in OPERATIONS:
        if method in ("post", "put", "patch", "delete") and op["security"]:
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
            assert "Idempotency-Key" in names, (path, method)
            assert {"400", "409", "422"} <= set(op["responses"]), (path, method)


def test_statuses_every_operation_may_answer_are_documented():
    for path, method, op in OPERATIONS:
        assert {"500", "503"} <= set(op["responses"]), (path, method)
        assert "Retry-After" in op["responses"]["503"]["headers"]
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(op["responses"]), (path, method)
    assert "429" in SPEC["paths"]["/api/v1/tokens"]["post"]["responses"]


def test_conditional_reads_declare_if_none_match_and_304():
    for path in ("/api/v1/items/{item_id}", "/api/v1/groups/{group_id}/board"):
        op = SPEC["paths"][path]["get"]
        assert "If-None-Match" in {p["name"] for p in op["parameters"]}
        assert "ETag" in op["responses"]["304"]["headers"]


def test_webhook_deliveries_and_the_secrets_encoding_are_documented():
    op = SPEC["paths"]["/api/v1/webhooks"]["post"]
    delivery = op["callbacks"]["itemPublished"]["{$request.body#/url}"]["post"]
    headers = {p["name"]: p for p in delivery["parameters"]}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
    assert headers["X-Relais-Signature"]["deprecated"] is True
    assert "UTF-8 bytes" in op["description"] and "whsec_" in op["description"]


GENERATOR = shutil.which("openapi-python-client", path=os.path.dirname(sys.executable)) or shutil.which(
    "openapi-python-client")


@pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client is not installed (requirements-dev.txt)")
def test_a_generated_python_client_has_readable_function_names(tmp_path):
    """About a second: openapi-python-client writes a package, one module per operation."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(SPEC))
    started = time.monotonic()
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([GENERATOR, "generate", "--path", str(document), "--output-path",
                             str(tmp_path / "client"), "--meta", "none"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 15
    modules = {p.stem for p in (tmp_path / "client" / "api").rglob("*.py") if p.stem != "__init__"}
    expected = {op["operationId"] for _, _, op in OPERATIONS}
    snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", i).lower() for i in expected}
    assert snake <= modules, sorted(snake - modules)
    assert not [m for m in modules if "api_v1" in m], modules
    move = (tmp_path / "client" / "api" / "items" / "move_item.py").read_text()
    assert "def sync(" in move and "idempotency_key" in move


# ---------------------------------------------------------------- If-None-Match on GET /items/<id>

@pytest.mark.parametrize("header", ['"1"', 'W/"1"', '"7", "1"', 'W/"9", W/"1"', "*"])
def test_get_item_with_a_matching_if_none_match_is_304_with_its_etag(api, world, new_item, header):
    item = new_item()
    response = api(world.agent).get(f"/api/v1/items/{item['id']}", headers={"If-None-Match": header})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("header", ['"2"', 'W/"11"', '"0", "3"'])
def test_get_item_with_a_non_matching_if_none_match_is_200(api, world, new_item, header):
    item = new_item()
    response = api(world.agent).get(f"/api/v1/items/{item['id']}", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response.get_json()["id"] == item["id"] and response.headers["ETag"] == '"1"'


def test_an_etag_held_before_a_change_gets_the_new_item(api, world, new_item):
    item = new_item()
    url = f"/api/v1/items/{item['id']}"
    etag = api(world.agent).get(url).headers["ETag"]
    assert api(world.agent).patch(url, json={"title": "Nouveau titre", "version": 1}).status_code == 200
    response = api(world.agent).get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    assert api(world.agent).get(url, headers={"If-None-Match": '"2"'}).status_code == 304


def test_if_none_match_does_not_reveal_an_item_the_caller_cannot_see(api, world, new_item):
    item = new_item()
    response = api(world.other_agent).get(f"/api/v1/items/{item['id']}", headers={"If-None-Match": "*"})
    assert response.status_code == 404
