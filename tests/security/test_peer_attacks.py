"""Attacks known to work on apps like this one, tried here: another group's
ids smuggled into an allowed request, rooms joined without membership, writes
that only check read permission, dead sessions and tokens replayed, rate-limit
keys the attacker controls, webhooks aimed inside the network, replays."""
import re
import socket
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.conftest import _reset_postgres, make_app, use_postgres
from workflow.extensions import db, socketio
from workflow.models import ApiToken, Comment, Event, Item, Webhook
from workflow.models.base import utcnow


def snapshot(item_id):
    item = db.session.get(Item, item_id)
    db.session.refresh(item)
    return (item.state, item.rank, item.version, [u.id for u in item.assignees],
            db.session.scalar(select(func.count(Event.id))))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- another group's ids inside an allowed request

@pytest.mark.parametrize("anchor", ["before_id", "after_id"])
def test_move_next_to_a_card_of_another_group_is_refused(api, world, new_item, anchor):
    mine, _ = new_item(), new_item(title="Voisine")
    theirs = new_item(author=world.other_agent, group=world.other_group)
    before = snapshot(mine["id"])
    response = api(world.agent).post(f"/api/v1/items/{mine['id']}/move", json={anchor: theirs["id"]})
    assert response.status_code == 422 and anchor in response.get_json()["errors"]
    assert snapshot(mine["id"]) == before


def test_assigning_a_member_of_another_group_is_refused(api, world, new_item):
    mine = new_item()
    before = snapshot(mine["id"])
    response = api(world.agent).patch(f"/api/v1/items/{mine['id']}", json={"assignees": ["bruno"], "title": "Autre",
                                                                          "version": mine["version"]})
    assert response.status_code == 422 and "assignees" in response.get_json()["errors"]
    assert snapshot(mine["id"]) == before and db.session.get(Item, mine["id"]).title == mine["title"]


def test_a_lead_of_another_group_cannot_review_through_their_own_token(api, world, new_item):
    mine = new_item()
    api(world.agent).post(f"/api/v1/items/{mine['id']}/transitions", json={"to": "in_review"})
    before = snapshot(mine["id"])
    response = api(world.other_lead).post(f"/api/v1/items/{mine['id']}/reviews", json={"decision": "approve"})
    assert response.status_code == 404
    assert snapshot(mine["id"]) == before


def test_comment_of_another_group_is_invisible_through_an_item_of_mine(api, world, new_item):
    theirs = new_item(author=world.other_agent, group=world.other_group)
    api(world.other_agent).post(f"/api/v1/items/{theirs['id']}/comments", json={"body": "Secret de Jeunesse"})
    mine = new_item()
    listed = api(world.agent).get(f"/api/v1/items/{mine['id']}/comments").get_json()
    assert all(c["body"] != "Secret de Jeunesse" for c in listed)
    assert api(world.agent).get(f"/api/v1/items/{theirs['id']}/comments").status_code == 404


def test_events_of_another_group_are_not_listed_with_its_group_filter(api, world, new_item):
    new_item(author=world.other_agent, group=world.other_group)
    response = api(world.agent).get(f"/api/v1/events?group={world.other_group.id}")
    assert response.status_code == 404 or response.get_json()["events"] == []


# ---------------------------------------------------------------- Socket.IO rooms without membership

@pytest.mark.parametrize("group_id", ["{other}", "{other}.0", "-{other}", "True", "[{other}]", "'{other}'"])
def test_joining_another_groups_room_with_a_disguised_id_is_refused(app, world, api, new_item, group_id):
    other_group, bruno = SimpleNamespace(id=world.other_group.id), SimpleNamespace(username="bruno")
    disguised = eval(group_id.format(other=other_group.id))  # noqa: S307 — the test's own literals
    sock = socketio.test_client(app, auth={"token": world.tokens["alice"]})
    ack = sock.emit("join", {"group_id": disguised}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] in (404, 422)
    sock.get_received()
    new_item(author=bruno, group=other_group)
    assert [m for m in sock.get_received() if m["name"] == "item.created"] == []
    sock.disconnect()


def test_resync_of_another_group_with_since_zero_leaks_nothing(app, world, new_item):
    new_item(author=world.other_agent, group=world.other_group)
    other_group_id = world.other_group.id
    sock = socketio.test_client(app, auth={"token": world.tokens["alice"]})
    ack = sock.emit("resync", {"group_id": other_group_id, "since": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 404
    sock.disconnect()


def test_a_socket_connection_cannot_swap_its_token_for_a_cookie_of_someone_else(app, world):
    """A bad token is refused even when the browser also carries a valid session cookie."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = world.lead.get_id()
        session["_fresh"] = True
    sock = socketio.test_client(app, flask_test_client=client, auth={"token": "forged"})
    assert not sock.is_connected()


# ---------------------------------------------------------------- writes that would only check read permission

@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v1/items/{in_review}/reviews", {"decision": "approve"}),
    ("POST", "/api/v1/items/{in_review}/claim", None),
    ("DELETE", "/api/v1/items/{proposed}", None),
    ("PUT", "/api/v1/groups/{group}/checklists/video", {"labels": ["Vu"]}),
    ("PATCH", "/api/v1/channels/bibliotheque-en-ligne", {"daily_capacity": 99}),
    ("POST", "/api/v1/channels/bibliotheque-en-ligne/blackout-dates", {"day": "2030-01-02"}),
    ("POST", "/api/v1/webhooks", {"channel": "bibliotheque-en-ligne", "url": "https://93.184.215.14/h"}),
])
def test_an_agent_who_may_read_cannot_do_a_lead_or_admin_write(api, world, new_item, method, path, body):
    proposed = new_item(author=world.agent2)
    in_review = new_item(author=world.agent2, title="En relecture")
    api(world.agent2).post(f"/api/v1/items/{in_review['id']}/transitions", json={"to": "in_review"})
    events = db.session.scalar(select(func.count(Event.id)))
    url = path.format(in_review=in_review["id"], proposed=proposed["id"], group=world.group.id)
    response = api(world.agent).client.open(url, method=method, json=body, headers=bearer(world.tokens["alice"]))
    assert response.status_code == 403, response.get_json()
    assert db.session.scalar(select(func.count(Event.id))) == events
    assert db.session.scalar(select(func.count(Webhook.id))) == 0


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/groups", "/admin/channels"])
def test_admin_pages_are_refused_to_a_lead(app, world, path):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = world.lead.get_id()
        session["_fresh"] = True
    response = client.get(path)
    assert response.status_code in (403, 404), (path, response.status_code)


@pytest.mark.parametrize("role", ["lead", "coordinator"])
@pytest.mark.parametrize("path,form", [
    ("/admin/users/{agent}/active", {"active": "0"}),
    ("/admin/users/{agent}/roles", {"admin": "on", "coordinator": "on"}),
    ("/admin/users/{agent}/password", {}),
    ("/admin/users", {"username": "intrus", "admin": "on"}),
    ("/admin/groups/{group}/members", {"username": "bruno", "role": "lead"}),
    ("/admin/webhooks", {"channel": "bibliotheque-en-ligne", "url": "http://127.0.0.1/", "allow_private": "on"}),
])
def test_admin_form_posts_are_refused_to_a_lead_and_a_coordinator(app, world, role, path, form):
    from workflow.models import Membership, User

    user = {"lead": world.lead, "coordinator": world.coordinator}[role]
    agent_id, group_id = world.agent.id, world.group.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    before = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Membership.user_id))),
              db.session.scalar(select(func.count(Webhook.id))), db.session.scalar(select(func.count(Event.id))))
    response = client.post(path.format(agent=agent_id, group=group_id),
                           data={**form, "csrf_token": _csrf_of(client)})
    assert response.status_code == 403, (path, response.status_code)
    db.session.expire_all()
    after = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Membership.user_id))),
             db.session.scalar(select(func.count(Webhook.id))), db.session.scalar(select(func.count(Event.id))))
    assert after == before
    alice = db.session.get(User, agent_id)
    assert alice.active and not alice.is_admin and not alice.is_coordinator


# ---------------------------------------------------------------- dead sessions and tokens

def test_expired_token_is_refused_for_api_and_socket(app, api, world):
    row = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.agent.id)).first()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = api(world.agent).get("/api/v1/me")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    sock = socketio.test_client(app, auth={"token": world.tokens["alice"]})
    assert not sock.is_connected()


def test_revoked_token_is_refused_for_api_and_socket(app, api, world):
    assert api(world.agent).delete("/api/v1/tokens/current").status_code == 204
    assert api(world.agent).get("/api/v1/me").status_code == 401
    assert api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                 json={"title": "Après révocation", "resource_type": "video"}).status_code == 401
    assert db.session.scalar(select(func.count(Item.id))) == 0
    sock = socketio.test_client(app, auth={"token": world.tokens["alice"]})
    assert not sock.is_connected()


def _sign_in(app, username, password=f.PASSWORD):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return client


def _replay(app, cookie):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _csrf_of(client, path="/account/password"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_session_cookie_copied_before_logout_is_dead_after_it(app, world):
    client = _sign_in(app, "alice")
    cookie = client.get_cookie("session").value
    assert _replay(app, cookie).get("/api/v1/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": _csrf_of(client)}).status_code == 302
    thief = _replay(app, cookie)
    assert thief.get("/api/v1/me").status_code == 401
    page = thief.get(f"/groups/{world.group.id}/board")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert not socketio.test_client(app, flask_test_client=thief).is_connected()


def test_session_cookie_copied_before_a_password_change_is_dead_after_it(app, world):
    client = _sign_in(app, "alice")
    cookie = client.get_cookie("session").value
    response = client.post("/account/password", data={
        "current_password": f.PASSWORD, "new_password": "un nouveau secret", "confirm_password": "un nouveau secret",
        "csrf_token": _csrf_of(client)})
    assert response.status_code == 302
    thief = _replay(app, cookie)
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.post(f"/api/v1/groups/{world.group.id}/items", json={"title": "x", "resource_type": "video"},
                      headers={"X-CSRFToken": "whatever"}).status_code in (400, 401)
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_open_socket_of_a_logged_out_session_gets_nothing_more(app, world, api, new_item):
    group_id = world.group.id
    client = _sign_in(app, "alice")
    sock = socketio.test_client(app, flask_test_client=client)
    assert sock.emit("join", {"group_id": group_id}, callback=True)["ok"] is True
    client.post("/logout", data={"csrf_token": _csrf_of(client)})
    # Ended at once by the server (docs/realtime.md, "Sessions that end"), not merely
    # refused at its next call: nothing more can reach it.
    assert not sock.is_connected()
    with pytest.raises(RuntimeError, match="not connected"):
        sock.emit("resync", {"group_id": group_id, "since": 0}, callback=True)


# ---------------------------------------------------------------- rate-limit keys the attacker controls

@pytest.fixture
def limited_app(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="4 per minute",
                   LOGIN_USER_RATE_LIMIT="100 per minute", LOGIN_LOCKOUT_THRESHOLD=1000)
    with app.app_context():
        if use_postgres():
            _reset_postgres()
        else:
            db.create_all()
        yield app
        db.session.remove()
        if not use_postgres():
            db.engine.dispose()


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP", "CF-Connecting-IP"])
def test_login_form_limit_ignores_spoofed_client_address_headers(limited_app, header):
    client = limited_app.test_client()
    codes = []
    for i in range(6):
        value = f"for=198.51.100.{i}" if header == "Forwarded" else f"198.51.100.{i}"
        codes.append(client.post("/login", data={"username": f"nobody{i}", "password": "x" * 8},
                                 headers={header: value}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code)
    assert codes[-1] == 429, codes


def test_a_different_username_each_time_does_not_reset_the_address_limit_on_the_form(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/login", data={"username": f"user{i}", "password": "x" * 8},
                         environ_base={"REMOTE_ADDR": "10.9.9.8"}).status_code for i in range(6)]
    assert codes[-1] == 429, codes


def test_username_case_or_spaces_do_not_escape_the_account_limit(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="100 per minute",
                   LOGIN_USER_RATE_LIMIT="3 per minute", LOGIN_LOCKOUT_THRESHOLD=1000)
    with app.app_context():
        if use_postgres():
            _reset_postgres()
        else:
            db.create_all()
        client = app.test_client()
        names = ["alice", "ALICE", " alice", "Alice "]
        codes = [client.post("/api/v1/tokens", json={"username": name, "password": "x" * 8},
                             environ_base={"REMOTE_ADDR": f"10.0.3.{i}"}).status_code for i, name in enumerate(names)]
        db.session.remove()
        if not use_postgres():
            db.engine.dispose()
    assert codes[-1] == 429, codes


# ---------------------------------------------------------------- webhooks aimed inside the network

def register(api, world, url, allow_private=False, user=None):
    return api(user or world.admin).post("/api/v1/webhooks", json={
        "channel": "bibliotheque-en-ligne", "url": url, "allow_private": allow_private})


@pytest.mark.parametrize("url", [
    "http://2130706433/hook",            # 127.0.0.1 as one decimal number
    "http://0x7f000001/hook",            # ... in hexadecimal
    "http://0177.0.0.1/hook",            # ... in octal
    "http://127.1/hook",                 # ... shortened
    "http://0.0.0.0:8080/hook",          # every interface
    "http://[::ffff:127.0.0.1]/hook",    # IPv4-mapped IPv6
    "http://[::ffff:169.254.169.254]/",  # metadata, mapped
    "http://[fe80::1]/hook",             # link-local IPv6
    "http://100.64.0.1/hook",            # carrier-grade NAT
    "http://LOCALHOST./hook",            # trailing dot and capitals
    "http://192.168.0.1:443@93.184.215.14/",  # credentials trick
])
def test_disguised_internal_webhook_targets_are_refused(api, world, url):
    response = register(api, world, url)
    assert response.status_code == 422, (url, response.get_json())
    assert "url" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(Webhook.id))) == 0


def test_a_hostname_resolving_to_loopback_is_refused(api, world, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    response = register(api, world, "https://hooks.example.org/relais")
    assert response.status_code == 422 and "url" in response.get_json()["errors"]


def test_a_hostname_resolving_to_one_public_and_one_private_address_is_refused(api, world, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))])
    assert register(api, world, "https://mixed.example.org/").status_code == 422


def test_an_admin_may_allow_a_private_target_explicitly(api, world):
    response = register(api, world, "http://127.0.0.1:9/hook", allow_private=True)
    assert response.status_code == 201 and response.get_json()["allow_private"] is True


def test_a_coordinator_cannot_allow_a_private_target(api, world):
    response = register(api, world, "http://127.0.0.1:9/hook", allow_private=True, user=world.coordinator)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Webhook.id))) == 0


def test_a_host_that_turns_private_after_registration_gets_no_delivery(api, world, monkeypatch):
    """DNS rebinding: public when registered, loopback when the delivery is due."""
    from workflow.models import WebhookDelivery
    from workflow.services import webhooks

    answer = {"ip": "93.184.215.14"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], 443))])
    assert register(api, world, "https://rebind.example.org/hook").status_code == 201
    webhook = db.session.scalars(select(Webhook)).one()
    event = Event(type="item.published", group_id=world.group.id, payload={})
    db.session.add(event)
    db.session.flush()
    db.session.add(WebhookDelivery(webhook_id=webhook.id, event_id=event.id, payload={"event": "item.published"},
                                   status="pending", attempts=0, next_attempt_at=utcnow()))
    db.session.commit()
    answer["ip"] = "127.0.0.1"
    posted = []
    monkeypatch.setattr(webhooks, "_post", lambda *a, **k: posted.append(a) or (200, ""))
    webhooks.deliver_pending()
    assert posted == []
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.status != "delivered" and "127.0.0.1" in delivery.last_error


# ---------------------------------------------------------------- replays

def test_replayed_comment_with_the_same_idempotency_key_is_posted_once(api, world, new_item, published):
    item = new_item()
    path = f"/api/v1/items/{item['id']}/comments"
    answers = [api(world.agent).post(path, json={"body": "Une seule fois"}, headers={"Idempotency-Key": "c-1"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[1].get_json() == answers[2].get_json() == answers[0].get_json()
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.body == "Une seule fois")) == 1
    assert db.session.scalar(select(func.count(Event.id)).where(Event.type.like("comment%"))) == 1


def test_replayed_move_with_the_same_key_moves_once(api, world, new_item):
    item = new_item()
    path = f"/api/v1/items/{item['id']}/move"
    first = api(world.agent).post(path, json={"state": "in_review"}, headers={"Idempotency-Key": "m-1"})
    again = api(world.agent).post(path, json={"state": "in_review"}, headers={"Idempotency-Key": "m-1"})
    assert first.status_code == again.status_code
    assert again.headers.get("Idempotent-Replayed") == "true"
    moves = db.session.scalar(select(func.count(Event.id)).where(Event.item_id == item["id"], Event.type != "item.created"))
    assert moves == (1 if first.status_code == 200 else 0)
