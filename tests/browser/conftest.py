"""Browser tests: the real app served by Socket.IO's server in a thread, on a temporary
SQLite file, driven by Debian's Chromium through Playwright (never a downloaded browser).

Each test builds its own group (``board_group``) so tests share one server but not data."""
import contextlib
import itertools
import logging
import os
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

from tests import factories as f
from tests.conftest import make_app, skip_or_fail

# Debian's Chromium, as its headless shell (package chromium-headless-shell, the build
# Playwright itself drives headless) when installed: the same Blink for a third of the CPU
# (the browser suite: 447 s of Chromium CPU with the full browser, 145 s with the shell,
# 297 s → 131 s of wall time on 2 cores). The full browser serves when the shell is absent.
CHROMIUM_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("RELAIS_CHROMIUM") or (
    CHROMIUM_SHELL if os.path.exists(CHROMIUM_SHELL) else "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_groups = itertools.count(1)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # polling a socket that is starting: no event to wait on
    raise RuntimeError(f"the test server did not listen on port {port}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app, served for real (HTTP + Socket.IO) on a free port; yields (app, base_url)."""
    from workflow.extensions import db, socketio

    app = make_app(tmp_path_factory.mktemp("browser-db"))
    with app.app_context():
        db.create_all()
        people = {"alice": False, "anna": False, "chloe": False, "louis": False, "david": True}
        for username, coordinator in people.items():
            f.UserFactory(username=username, display_name=username.title(), is_coordinator=coordinator)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns real failures
    port = _free_port()
    thread = threading.Thread(
        target=socketio.run, args=(app,),
        kwargs={"host": "127.0.0.1", "port": port, "allow_unsafe_werkzeug": True, "use_reloader": False,
                "debug": False, "log_output": False},
        daemon=True)
    thread.start()
    _wait_for_port(port)
    yield app, f"http://127.0.0.1:{port}"


@pytest.fixture
def server(live_server):
    return live_server


@pytest.fixture
def board_group(live_server):
    """A fresh group: alice and anna agents, chloe and louis leads. Returns its id."""
    from workflow.extensions import db
    from workflow.models import User

    app, _ = live_server
    with app.app_context():
        group = f.GroupFactory(name=f"Groupe navigateur {next(_groups)}", wip_limits={"in_review": 2})
        for username, role in (("alice", "agent"), ("anna", "agent"), ("chloe", "lead"), ("louis", "lead")):
            user = db.session.query(User).filter_by(username=username).one()
            f.MembershipFactory(user=user, group=group, role=role)
        group_id = group.id
        db.session.remove()
    return group_id


_lone_leads = itertools.count(1)


@pytest.fixture
def lone_group(live_server):
    """A group of its own with a lead of its own (alice and anna its agents), for a test
    that reads a lead's whole queue or work: the shared leads' grow with every test the
    server has run. Returns (the lead's username, the group's id)."""
    from workflow.extensions import db
    from workflow.models import User

    app, _ = live_server
    with app.app_context():
        n = next(_lone_leads)
        lead = f.UserFactory(username=f"lina{n}", display_name=f"Lina {n}")
        group = f.GroupFactory(name=f"Groupe à part {n}")
        f.MembershipFactory(user=lead, group=group, role="lead")
        for username in ("alice", "anna"):
            f.MembershipFactory(user=db.session.query(User).filter_by(username=username).one(), group=group,
                                role="agent")
        db.session.commit()
        result = lead.username, group.id
        db.session.remove()
    return result


@pytest.fixture
def seed(live_server):
    """``seed(fn)`` runs ``fn()`` inside the served app's context (to add data quickly)."""
    from workflow.extensions import db

    app, _ = live_server

    def run(fn):
        with app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()

    return run


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium chromium-headless-shell)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


def sign_in(page, username):
    """Sign ``username`` in on ``page`` through the sign-in form, as a person does."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


_sessions = {}  # username -> the storage state of a context that signed in through the form


def signed_in_page(browser, base, username, path, listen=None, **options):
    """A new context and page of ``username`` showing ``path``. Each person signs in
    through the form the first time (``sign_in``); later contexts start with the cookies
    that sign-in gave, as a browser that stayed signed in does, and sign in again if
    the server no longer takes them (a password changed, a session revoked).
    ``listen(page)`` is called before the page loads anything."""
    context = browser.new_context(base_url=base, storage_state=_sessions.get(username), **options)
    page = context.new_page()
    if listen is not None:
        listen(page)
    if username not in _sessions:
        sign_in(page, username)
        _sessions[username] = context.storage_state()
    page.goto(path)
    if "/login" in page.url:
        sign_in(page, username)
        _sessions[username] = context.storage_state()
        page.goto(path)
    return context, page


@contextlib.contextmanager
def axe_board(browser, base, username, group_id, scheme):
    """A desktop page of ``username`` signed in through the form on the live board, in the
    ``scheme`` colour scheme, with the CSP bypassed so that axe-core can be injected."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                  color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, username)
        page.goto(f"/groups/{group_id}/board")
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
        yield page
    finally:
        context.close()


@pytest.fixture
def open_board(browser, live_server):
    """``open_board(username, group_id, width=1400)`` → a logged-in page showing the board, live."""
    from playwright.sync_api import expect

    _, base = live_server
    contexts = []
    errors = []

    def open_(username, group_id, width=1400, height=900, query=""):
        context, page = signed_in_page(
            browser, base, username, f"/groups/{group_id}/board{query}",
            listen=lambda page: page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}")),
            viewport={"width": width, "height": height}, locale="fr-FR")
        contexts.append(context)
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(username, path, width=1400, height=900)`` → a page of ``username``
    showing ``path`` (see ``signed_in_page``); fails the test on a JavaScript error."""
    _, base = live_server
    contexts, errors = [], []

    def open_(username, path, width=1400, height=900):
        context, page = signed_in_page(
            browser, base, username, path,
            listen=lambda page: page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}")),
            viewport={"width": width, "height": height}, locale="fr-FR")
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name, full_page=False):
    """Save a screenshot to test-artifacts/ (git-ignored) and return its path. A screenshot
    is for people to look at, not an assertion: one that times out on a loaded machine
    (Chromium waiting for its fonts) is reported and skipped, the test goes on."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=full_page, timeout=60_000)
    except PlaywrightTimeout as exc:
        warnings.warn(f"screenshot {name} not taken: {exc}", stacklevel=2)
        return None
    return path


def column_ids(page):
    """{state: [card ids in order]} as the page shows it."""
    return page.evaluate("() => window.relaisBoard.cards.snapshot()")


def drag(page, source, target, steps=12):
    """Drag ``source`` onto ``target`` (locators) with real mouse moves, as a person would."""
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 8, box["y"] + 20, steps=3)
    tbox = target.bounding_box()
    page.mouse.move(tbox["x"] + tbox["width"] / 2, tbox["y"] + min(tbox["height"] / 2, 30), steps=steps)
    page.mouse.up()


@pytest.fixture
def make_items(seed):
    """``make_items(group_id, [(author, title, state), ...])`` creates items through the
    services (so events are recorded) and returns their ids."""

    def run(group_id, specs):
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import items as item_service
        from workflow.services import workflow as workflow_service

        def create():
            ids = []
            for author, title, state in specs:
                user = db.session.query(User).filter_by(username=author).one()
                item = item_service.create_item(user, group_id, {"title": title, "resource_type": "article"})
                if state == "in_review":
                    workflow_service.transition_item(user, item.id, "in_review")
                ids.append(item.id)
            return ids

        return seed(create)

    return run
