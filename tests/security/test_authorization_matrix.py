"""Every API action and every socket event, tried as every role, against ONE
expectation table. A new API route without a row here fails
``test_every_api_route_is_in_the_table``.

Roles: anonymous, agent of the item's group (not its author), agent of another
group, lead of the group, lead of another group, coordinator, admin, and a
deactivated member of the group. Refusals are told apart: 401 (who are you?),
403 (you may see it but not do it), 404 (another group's things do not exist
for you)."""
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from tests import factories as f
from tests.conftest import SharedScene, build_world, make_app
from workflow.extensions import db
from workflow.models import Item, Label, Notification, User

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cf"
                    "c0000003010100c9fe92ef0000000049454e44ae426082")
ROLES = ("anonymous", "agent", "other_agent", "lead", "other_lead", "coordinator", "admin", "deactivated")
INSIDERS = {"agent", "lead", "coordinator", "admin"}
EVERYONE = {"agent", "other_agent", "lead", "other_lead", "coordinator", "admin"}


def group_scoped(ok, allowed, refused=403):
    """Something of group "Vidéo": outsiders get 404, members without the right 403."""
    table = {"anonymous": 401, "deactivated": 401, "other_agent": 404, "other_lead": 404}
    for role in INSIDERS:
        table[role] = ok if role in allowed else refused
    return table


def network(ok, allowed=EVERYONE, refused=403):
    """Something not tied to one group: anyone signed in, or a network role."""
    table = {"anonymous": 401, "deactivated": 401}
    for role in EVERYONE:
        table[role] = ok if role in allowed else refused
    return table


def public(ok):
    return {role: ok for role in ROLES}


# (method, path template, JSON body or None, expectation per role). Paths use the
# scene's names: {group} (Vidéo), {proposed}, {in_review}, {approved}, {trashed}
# (items of anna, an agent of Vidéo), {claimed} (in review, claimed by chloe),
# {notification} (alice's), {webhook}, {feed} (alice's feed token). A body may be a function of
# those names.
SOON = (datetime.now(timezone.utc) + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
DAY = (date.today() + timedelta(days=40)).isoformat()
API = {
    "api.me": ("GET", "/api/v1/me", None, network(200)),
    "api.my_work": ("GET", "/api/v1/me/work", None, network(200)),
    "api.create_token": ("POST", "/api/v1/tokens", "credentials", {**public(201), "anonymous": 401, "deactivated": 401}),
    "api.revoke_current_token": ("DELETE", "/api/v1/tokens/current", None, network(204)),
    "api.change_password": ("POST", "/api/v1/me/password",
                            {"current_password": f.PASSWORD, "new_password": "un autre mot de passe"}, network(204)),
    "api.regenerate_feed_token": ("POST", "/api/v1/me/feed-token", None, network(201)),
    "api.list_groups": ("GET", "/api/v1/groups", None, network(200)),
    "api.list_members": ("GET", "/api/v1/groups/{group}/members?q=a", None, group_scoped(200, INSIDERS)),
    "api.board": ("GET", "/api/v1/groups/{group}/board", None, group_scoped(200, INSIDERS)),
    "api.create_item": ("POST", "/api/v1/groups/{group}/items", {"title": "Tutoriels Scratch", "resource_type": "video"},
                        group_scoped(201, INSIDERS)),
    "api.get_item": ("GET", "/api/v1/items/{proposed}", None, group_scoped(200, INSIDERS)),
    "api.get_watch": ("GET", "/api/v1/items/{proposed}/watch", None, group_scoped(200, INSIDERS)),
    "api.follow_item": ("POST", "/api/v1/items/{proposed}/watch", None, group_scoped(201, INSIDERS)),
    "api.unfollow_item": ("DELETE", "/api/v1/items/{proposed}/watch", None, group_scoped(200, INSIDERS)),
    "api.patch_item": ("PATCH", "/api/v1/items/{proposed}", {"title": "Nouveau titre", "version": 1},
                       group_scoped(200, INSIDERS)),
    "api.delete_item": ("DELETE", "/api/v1/items/{proposed}", None, group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.restore_item": ("POST", "/api/v1/items/{trashed}/restore", None,
                         group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.move_item": ("POST", "/api/v1/items/{proposed}/move", {"state": "proposed"}, group_scoped(200, INSIDERS)),
    "api.transition_item": ("POST", "/api/v1/items/{proposed}/transitions", {"to": "in_review"},
                            group_scoped(200, {"agent", "lead"})),
    "api.review_item": ("POST", "/api/v1/items/{in_review}/reviews", {"decision": "approve"},
                        group_scoped(201, {"lead"})),
    "api.list_reviews": ("GET", "/api/v1/items/{in_review}/reviews", None, group_scoped(200, INSIDERS)),
    "api.review_rounds": ("GET", "/api/v1/items/{in_review}/rounds", None, group_scoped(200, INSIDERS)),
    "api.diff_since_last_review": ("GET", "/api/v1/items/{in_review}/diff", None, group_scoped(200, INSIDERS)),
    "api.claim_item": ("POST", "/api/v1/items/{in_review}/claim", None, group_scoped(200, {"lead"})),
    "api.release_claim": ("DELETE", "/api/v1/items/{claimed}/claim", None, group_scoped(200, {"lead"})),
    "api.schedule_item": ("POST", "/api/v1/items/{approved}/schedule",
                          {"scheduled_at": SOON.isoformat(), "channel": "bibliotheque-en-ligne"},
                          group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.list_comments": ("GET", "/api/v1/items/{proposed}/comments", None, group_scoped(200, INSIDERS)),
    "api.add_comment": ("POST", "/api/v1/items/{proposed}/comments", {"body": "Bonne idée"},
                        group_scoped(201, INSIDERS)),
    "api.upload_attachment": ("POST", "/api/v1/items/{proposed}/attachments", "file", group_scoped(201, INSIDERS)),
    "api.list_attachments": ("GET", "/api/v1/items/{proposed}/attachments", None, group_scoped(200, INSIDERS)),
    "api.get_attachment": ("GET", "/api/v1/attachments/{attachment}", None, group_scoped(200, INSIDERS)),
    # anna's attachment: alice (agent, not its uploader) may not delete it.
    "api.delete_attachment": ("DELETE", "/api/v1/attachments/{spare_attachment}", None,
                              group_scoped(204, {"lead", "coordinator", "admin"})),
    # anna's proposal: alice (an agent, not its author) may not trash it; a bulk call answers as one.
    "api.bulk_items": ("POST", "/api/v1/items/bulk", lambda n: {"ids": [n["proposed"]], "action": "trash"},
                       group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.duplicate_item": ("POST", "/api/v1/items/{proposed}/duplicate", None, group_scoped(201, INSIDERS)),
    "api.list_tasks": ("GET", "/api/v1/items/{proposed}/tasks", None, group_scoped(200, INSIDERS)),
    "api.add_task": ("POST", "/api/v1/items/{proposed}/tasks", {"text": "Préparer l'affiche"},
                     group_scoped(201, INSIDERS)),
    "api.update_task": ("PATCH", "/api/v1/tasks/{task}", {"done": True}, group_scoped(200, INSIDERS)),
    "api.delete_task": ("DELETE", "/api/v1/tasks/{spare_task}", None, group_scoped(204, INSIDERS)),
    "api.set_wip_limit": ("PATCH", "/api/v1/groups/{group}/columns/in_review", {"wip_limit": 5},
                          group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.item_history": ("GET", "/api/v1/items/{proposed}/history", None, group_scoped(200, INSIDERS)),
    "api.group_checklists": ("GET", "/api/v1/groups/{group}/checklists", None, group_scoped(200, INSIDERS)),
    "api.set_group_checklist": ("PUT", "/api/v1/groups/{group}/checklists/video", {"labels": ["Droits vérifiés"]},
                                group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.review_queue": ("GET", "/api/v1/reviews/queue", None, network(200)),
    "api.list_events": ("GET", "/api/v1/events", None, network(200)),
    # Search is for anyone signed in; narrowed to a group, for those who see it.
    "api.search": ("GET", "/api/v1/search?q=atelier&group={group}", None, group_scoped(200, INSIDERS)),
    "api.list_channels": ("GET", "/api/v1/channels", None, network(200)),
    "api.calendar_window": ("GET", f"/api/v1/calendar?from={date.today()}&to={date.today() + timedelta(days=30)}",
                            None, network(200)),
    "api.calendar_unscheduled": ("GET", "/api/v1/calendar/unscheduled", None, network(200)),
    "api.calendar_due": ("GET", f"/api/v1/calendar/due?from={date.today()}&to={date.today() + timedelta(days=30)}",
                         None, network(200)),
    # Labels: members see and create them (also by typing a new name on an item); leads
    # (and coordinators, admins) rename, recolour and delete them.
    "api.list_labels": ("GET", "/api/v1/groups/{group}/labels", None, group_scoped(200, INSIDERS)),
    "api.create_label": ("POST", "/api/v1/groups/{group}/labels", {"name": "Patrimoine", "color": "teal"},
                         group_scoped(201, INSIDERS)),
    "api.update_label": ("PATCH", "/api/v1/labels/{label}", {"color": "red"},
                         group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.delete_label": ("DELETE", "/api/v1/labels/{label}", None,
                         group_scoped(200, {"lead", "coordinator", "admin"})),
    "api.update_channel": ("PATCH", "/api/v1/channels/bibliotheque-en-ligne", {"daily_capacity": 4},
                           network(200, {"coordinator", "admin"})),
    "api.add_blackout_date": ("POST", "/api/v1/channels/bibliotheque-en-ligne/blackout-dates", {"day": DAY},
                              network(201, {"coordinator", "admin"})),
    "api.remove_blackout_date": ("DELETE", "/api/v1/channels/bibliotheque-en-ligne/blackout-dates/{blackout}", None,
                                 network(200, {"coordinator", "admin"})),
    "api.create_webhook": ("POST", "/api/v1/webhooks",
                           {"channel": "bibliotheque-en-ligne", "url": "https://93.184.215.14/hook"},
                           network(201, {"admin"})),
    "api.list_webhooks": ("GET", "/api/v1/webhooks", None, network(200, {"admin"})),
    "api.deactivate_webhook": ("DELETE", "/api/v1/webhooks/{webhook}", None, network(200, {"admin"})),
    "api.webhook_deliveries": ("GET", "/api/v1/webhooks/{webhook}/deliveries", None, network(200, {"admin"})),
    "api.list_notifications": ("GET", "/api/v1/notifications", None, network(200)),
    "api.unread_count": ("GET", "/api/v1/notifications/unread", None, network(200)),
    "api.mark_read": ("POST", "/api/v1/notifications/{notification}/read", None,
                      {**network(404), "agent": 200}),
    "api.mark_all_read": ("POST", "/api/v1/notifications/read-all", None, network(200)),
    "api.get_preferences": ("GET", "/api/v1/notifications/preferences", None, network(200)),
    "api.set_preferences": ("PUT", "/api/v1/notifications/preferences", {"daily_digest": True}, network(200)),
    "api.dashboard": ("GET", "/api/v1/dashboard", None, network(200, {"lead", "other_lead", "coordinator", "admin"})),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", None, public(200)),
    "api.atom_feed": ("GET", "/api/v1/feeds/channels/bibliotheque-en-ligne/atom.xml", None, public(200)),
    "api.ical_feed": ("GET", "/api/v1/feeds/ical/{feed}/calendar.ics", None, public(200)),
    "api.group_ical_feed": ("GET", "/api/v1/feeds/ical/{feed}/groups/{group}/calendar.ics", None, public(200)),
}


def _user_for(world, role):
    return {"anonymous": None, "agent": world.agent, "other_agent": world.other_agent, "lead": world.lead,
            "other_lead": world.other_lead, "coordinator": world.coordinator, "admin": world.admin,
            "deactivated": world.inactive}[role]


def _scene(world):
    """Items of anna (agent of Vidéo, so the "agent" role, alice, is not their author)."""
    from workflow.services import items as item_service
    from workflow.services import workflow as workflow_service
    from workflow.services.channels import add_blackout_date
    from workflow.services.feeds import regenerate_feed_token
    from workflow.services.webhooks import register_webhook

    anna, chloe, louis = world.agent2, world.lead, world.lead2

    def make(title):
        return item_service.create_item(anna, world.group.id, {"title": title, "resource_type": "video"})

    proposed = make("Proposé")
    label = Label(group_id=world.group.id, name="Cinéma", color="blue")
    db.session.add(label)
    in_review = make("En relecture")
    workflow_service.transition_item(anna, in_review.id, "in_review")
    claimed = make("Réservé")
    workflow_service.transition_item(anna, claimed.id, "in_review")
    workflow_service.claim_item(chloe, claimed.id)
    approved = make("Approuvé")
    from workflow.services.attachments import upload_attachment

    # Two attachments (before the approval: attachments are content): a deletion by one
    # case must not take the file another case reads.
    attachment = upload_attachment(anna, approved.id, "affiche.png", PNG, 1024 * 1024)
    spare = upload_attachment(anna, approved.id, "autre.png", PNG, 1024 * 1024)
    workflow_service.transition_item(anna, approved.id, "in_review")
    workflow_service.review_item(louis, approved.id, "approve")
    trashed = make("Corbeille")
    item_service.delete_item(anna, trashed.id)
    day = date.fromisoformat(DAY) + timedelta(days=1)
    add_blackout_date(world.coordinator, "bibliotheque-en-ligne", day, "Fermeture")
    webhook = register_webhook(None, "bibliotheque-en-ligne", "https://93.184.215.14/hook")
    notification = Notification(user_id=world.agent.id, kind="mention", group_id=world.group.id,
                                title="Vous êtes mentionné·e")
    db.session.add(notification)
    db.session.commit()
    regenerate_feed_token(world.agent)
    from workflow.services.tasks import add_task

    task = add_task(anna, proposed.id, "Écrire le texte")
    spare_task = add_task(anna, proposed.id, "Trouver une image")
    return {"attachment": attachment.id, "spare_attachment": spare.id, "task": task.id, "spare_task": spare_task.id,
            "group": world.group.id, "proposed": proposed.id, "in_review": in_review.id, "claimed": claimed.id,
            "approved": approved.id, "trashed": trashed.id, "blackout": day.isoformat(), "webhook": webhook.id,
            "notification": notification.id, "feed": world.agent.feed_token, "label": label.id}


# The 400-odd cases share one app, world and scene, built once: most only read
# it, and SharedScene puts the database back after a case that wrote.
@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    def build():
        world = build_world()
        return world, _scene(world)

    scene = SharedScene(make_app(tmp_path_factory.mktemp("matrix")), build)
    yield scene
    scene.close()


@pytest.fixture
def app(shared):
    with shared.app.app_context():
        yield shared.app
        db.session.remove()
    shared.restore()


@pytest.fixture
def world(app, shared):
    return shared.state[0]


@pytest.fixture
def names(app, shared):
    """The scene's ids, by the names the path templates use."""
    return shared.state[1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(API))
def test_api_action_answers_each_role_as_the_table_says(endpoint, role, client, world, names):
    method, template, body, expected = API[endpoint]
    user = _user_for(world, role)
    path = template.format(**names)
    headers = {}
    if callable(body):  # a body naming the scene's ids
        body = body(names)
    if endpoint == "api.create_token":
        body = {"username": user.username if user else "nobody", "password": f.PASSWORD}
    elif user is not None:
        headers["Authorization"] = f"Bearer {world.tokens[user.username]}"
    if body == "file":  # a multipart upload
        response = client.open(path, method=method, headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(PNG), "affiche.png")})
    else:
        response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == expected[role], (endpoint, role, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_every_api_route_is_in_the_table(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes - set(API) == set(), "add these API routes to the authorisation table"


# Socket events: (payload builder, expectation per role). "ok" is an ack with ok: true;
# a number is the error status of the ack; "refused" is a refused connection.
def _socket_expectations(group_scoped_ok):
    table = {"anonymous": "refused", "deactivated": "refused", "other_agent": 404, "other_lead": 404}
    table.update({role: group_scoped_ok for role in INSIDERS})
    return table


SOCKET = {
    "join": (lambda n: {"group_id": n["group"]}, _socket_expectations("ok")),
    "join_watch": (lambda n: {"group_id": n["group"], "watch": True}, _socket_expectations("ok")),
    "resync": (lambda n: {"group_id": n["group"], "since": 0}, _socket_expectations("ok")),
    "editing": (lambda n: {"group_id": n["group"], "item_id": n["proposed"], "editing": True},
                {**_socket_expectations("ok"), "other_agent": 409, "other_lead": 409}),
    "leave": (lambda n: {"group_id": n["group"]}, {**_socket_expectations("ok"), "other_agent": "ok",
                                                   "other_lead": "ok"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("event", sorted(SOCKET))
def test_socket_event_answers_each_role_as_the_table_says(event, role, app, world, names):
    from workflow.extensions import socketio

    payload, expected = SOCKET[event]
    user = _user_for(world, role)
    auth = {"token": world.tokens[user.username]} if user is not None else None
    sock = socketio.test_client(app, auth=auth)
    try:
        if expected[role] == "refused":
            assert not sock.is_connected()
            return
        assert sock.is_connected()
        if event == "editing":
            sock.emit("join", {"group_id": names["group"]}, callback=True)
        name = "join" if event == "join_watch" else event
        ack = sock.emit(name, payload(names), callback=True)
        if expected[role] == "ok":
            assert ack["ok"] is True, (event, role, ack)
        else:
            assert ack["ok"] is False and ack["error"]["status"] == expected[role], (event, role, ack)
    finally:
        if sock.is_connected():
            sock.disconnect()


def test_deactivated_user_loses_session_token_and_socket_at_once(app, client, world, names):
    """Deactivate alice while she is signed in, holds a token and a socket: all three stop."""
    from workflow.extensions import socketio

    with client.session_transaction() as session:  # signed in, as the login form would leave it
        session["_user_id"] = world.agent.get_id()
        session["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 200
    sock = socketio.test_client(app, flask_test_client=client)
    assert sock.emit("join", {"group_id": names["group"]}, callback=True)["ok"] is True
    # (socket handlers end the session they used, so reload alice before changing her)
    db.session.get(User, world.agent.id).active = False
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {world.tokens['alice']}"}).status_code == 401
    ack = sock.emit("resync", {"group_id": names["group"], "since": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["status"] == 401
    assert db.session.query(Item).count() == 5

