"""Every status the API really answers is in its OpenAPI document: a pytest
plugin that records (method, route, status) of every /api/v1 response any Flask
app of the run sends (Flask's ``request_finished`` signal, so the test client,
Schemathesis and the browser tests' live servers alike), and fails the run when
one of them is not documented.

Under pytest-xdist each worker hands what it saw to the controller through
``workeroutput`` (execnet's own channel), and the controller compares at the
end of the session. A subset of the suite only sees less, so it cannot fail
where the whole suite passes. ``conftest.py`` installs it; a run elsewhere can
load it with ``-p tests.openapi_coverage``.
``RELAIS_API_STATUSES_OUT=<file>`` writes what the run saw as JSON lines."""
import json
import os
import re

import pytest

KEY = "relais_api_statuses"
PREFIX = "/api/v1/"
METHODS = {"get", "post", "put", "patch", "delete"}  # HEAD and OPTIONS are implied, never documented


def openapi_path(rule):
    """``/api/v1/items/<int:item_id>`` → ``/api/v1/items/{item_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def undocumented(seen, spec):
    """The (method, path, status) of ``seen`` that ``spec`` does not document,
    sorted: an operation missing, or a status that neither its code, its range
    (``4XX``) nor ``default`` covers."""
    missing = []
    for method, path, status in sorted(set(seen)):
        responses = (spec.get("paths", {}).get(path) or {}).get(method, {}).get("responses")
        if not responses or not ({str(status), f"{str(status)[0]}XX", "default"} & set(responses)):
            missing.append((method, path, status))
    return missing


class ApiStatusRecorder:
    def __init__(self, config):
        self.config = config
        self.seen = set()
        self.missing = []

    # ---- every process: listen to the apps of this process
    def pytest_sessionstart(self, session):
        from flask import request_finished

        request_finished.connect(self.response_sent, weak=False)

    def response_sent(self, sender, response, **extra):
        from flask import request

        rule = request.url_rule
        method = request.method.lower()
        if rule is not None and rule.rule.startswith(PREFIX) and method in METHODS:
            self.seen.add((method, openapi_path(rule.rule), response.status_code))

    # ---- xdist: workers send, the controller gathers
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        self.seen.update(tuple(entry) for entry in getattr(node, "workeroutput", {}).get(KEY, ()))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        from flask import request_finished

        request_finished.disconnect(self.response_sent)
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller judges
            workeroutput[KEY] = sorted(self.seen)
            return
        out = os.environ.get("RELAIS_API_STATUSES_OUT")
        if out:
            with open(out, "w", encoding="utf-8") as file:
                file.writelines(json.dumps(entry) + "\n" for entry in sorted(self.seen))
        if not self.seen:
            return
        from workflow.api.openapi import build_spec

        self.missing = undocumented(self.seen, build_spec())
        if self.missing and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.missing:
            return
        terminalreporter.section("API answers missing from the OpenAPI document", red=True)
        for method, path, status in self.missing:
            terminalreporter.line(f"{status} {method.upper()} {path}", red=True)
        terminalreporter.line("Document them in workflow/api/openapi.py (or its *_doc.py modules).")


def install(config):
    if not config.pluginmanager.has_plugin(KEY):
        config.pluginmanager.register(ApiStatusRecorder(config), KEY)


def pytest_configure(config):  # when loaded with -p tests.openapi_coverage
    install(config)
