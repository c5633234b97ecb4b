"""Administration: the pages and the services behind them (the same functions as
the CLI), their permission checks and the events they record."""
import pytest
from sqlalchemy import select

from tests import factories as f
from tests.integration.test_query_counts import _login
from workflow.domain.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.models import ApiToken, Basin, Channel, Event, Group, Library, Membership, User
from workflow.services import admin


def _login_other(client, username):
    """Sign a second browser in. The tests share one app context, where Flask-WTF
    caches the last CSRF token in ``g``: drop it so this browser gets its own."""
    from flask import g

    g.pop("csrf_token", None)
    _login(client, username)
    assert client.get("/").status_code == 200


def _csrf(client, path="/admin/users"):
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


@pytest.fixture
def admin_client(client, world):
    _login(client, "admin")
    token = _csrf(client)

    def post(path, data=None, **kw):
        return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)

    client.post_form = post
    return client


def _events(type_):
    return list(db.session.scalars(select(Event).where(Event.type == type_)))


def test_only_admins_reach_the_admin_pages(client, world):
    _login(client, "david")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin").status_code == 403


def test_a_coordinator_cannot_invite_through_the_service(world):
    with pytest.raises(Forbidden):
        admin.invite_user(world.coordinator, "zoe")


def test_inviting_shows_a_temporary_password_once_that_signs_in(admin_client, world, app):
    response = admin_client.post_form("/admin/users", {"username": "zoe", "display_name": "Zoé Martin",
                                                       "email": "zoe@example.org"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = page.split('id="temporary-password">')[1].split("<")[0]
    assert len(password) >= 8
    zoe = db.session.scalar(select(User).where(User.username == "zoe"))
    assert zoe.display_name == "Zoé Martin" and password not in zoe.password_hash
    assert _events("user.created")[-1].payload["user"]["username"] == "zoe"
    other = app.test_client()
    assert other.post("/api/v1/tokens", json={"username": "zoe", "password": password}).status_code == 201
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)


def test_the_invitee_is_mailed_a_link_in_the_language_the_admin_chose(admin_client, world, app, tmp_path):
    import re

    from flask import g

    from workflow.models import OutboxMail

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    response = admin_client.post_form("/admin/users", {"username": "zoe", "display_name": "Zoe Smith",
                                                       "email": "zoe@example.org", "locale": "en"})
    page = response.get_data(as_text=True)
    assert "Un e-mail avec un lien à usage unique" in page and "zoe@example.org" in page
    zoe = db.session.scalar(select(User).where(User.username == "zoe"))
    assert zoe.locale == "en"
    [mail] = db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == "zoe@example.org")).all()
    assert mail.subject == "[Relais] Your account is ready" and "Your username is zoe." in mail.body_text
    assert _events("user.created")[-1].payload["link_mailed"] is True
    link = re.search(r"(/welcome/[\w-]+)", mail.body_text).group(1)
    g.pop("csrf_token", None)
    browser = app.test_client()
    form = browser.get(link).get_data(as_text=True)
    assert "Welcome, Zoe Smith" in form  # the page speaks the invitee's language before they sign in
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    chosen = browser.post(link, data={"csrf_token": token, "password": "mon mot de passe", "confirm": "mon mot de passe"})
    assert chosen.status_code == 302
    assert app.test_client().post("/api/v1/tokens", json={"username": "zoe", "password": "mon mot de passe"}) \
        .status_code == 201


def test_an_invitation_in_an_unknown_language_is_refused(world):
    with pytest.raises(Invalid):
        admin.invite_user(world.admin, "zoe", email="zoe@example.org", locale="de")
    assert db.session.scalar(select(User).where(User.username == "zoe")) is None


def test_a_password_reset_mails_a_new_link_and_spends_the_old_one(admin_client, world, app, tmp_path):
    from workflow.models import AccountLink, OutboxMail

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    admin_client.post_form(f"/admin/users/{world.agent.id}/password")
    page = admin_client.post_form(f"/admin/users/{world.agent.id}/password").get_data(as_text=True)
    assert "valable 2 jours" in page
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == world.agent.email)).all()
    assert [m.subject for m in mails] == ["[Relais] Choisissez un nouveau mot de passe"] * 2
    links = db.session.scalars(select(AccountLink).where(AccountLink.user_id == world.agent.id)).all()
    assert [link.used_at is None for link in links] == [False, True]  # only the newest works


def test_an_invalid_invitation_keeps_what_was_typed(admin_client, world):
    response = admin_client.post_form("/admin/users", {"username": "alice", "display_name": "Autre Alice"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Le compte « alice » existe déjà." in page and 'value="Autre Alice"' in page


def test_deactivating_kills_sessions_and_tokens_at_once(admin_client, world, app, api):
    victim = app.test_client()
    _login_other(victim, "alice")
    assert api(world.agent).get("/api/v1/me").status_code == 200
    response = admin_client.post_form(f"/admin/users/{world.agent.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302  # back to the sign-in page
    assert api(world.agent).get("/api/v1/me").status_code == 401
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.agent.id)).revoked_at is not None
    assert _events("user.deactivated")[-1].payload["user"]["username"] == "alice"


def test_reactivating_lets_the_person_sign_in_again(admin_client, world, app):
    admin.set_active(world.admin, world.agent.id, False)
    admin_client.post_form(f"/admin/users/{world.agent.id}/active", {"active": "1"})
    assert app.test_client().post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD}).status_code == 201


def test_an_admin_cannot_deactivate_themselves(world):
    with pytest.raises(Invalid):
        admin.set_active(world.admin, world.admin.id, False)


def test_resetting_a_password_replaces_it_and_ends_sessions(admin_client, world, app):
    victim = app.test_client()
    _login_other(victim, "alice")
    page = admin_client.post_form(f"/admin/users/{world.agent.id}/password").get_data(as_text=True)
    password = page.split('id="temporary-password">')[1].split("<")[0]
    assert victim.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/api/v1/tokens", json={"username": "alice", "password": f.PASSWORD}).status_code == 401
    assert fresh.post("/api/v1/tokens", json={"username": "alice", "password": password}).status_code == 201


def test_roles_are_granted_and_the_last_admin_keeps_theirs(admin_client, world):
    admin_client.post_form(f"/admin/users/{world.agent.id}/roles", {"coordinator": "on"})
    db.session.refresh(world.agent)
    assert world.agent.is_coordinator and not world.agent.is_admin
    with pytest.raises(Invalid):
        admin.set_roles(world.admin, world.admin.id, coordinator=False, admin=False)
    assert _events("user.roles_changed")


def test_basins_and_libraries_are_created_and_a_user_attached(admin_client, world):
    admin_client.post_form("/admin/basins", {"name": "Bassin Nord"})
    basin = db.session.scalar(select(Basin).where(Basin.name == "Bassin Nord"))
    admin_client.post_form("/admin/libraries", {"name": "Médiathèque Jean-Macé", "basin_id": str(basin.id)})
    library = db.session.scalar(select(Library).where(Library.name == "Médiathèque Jean-Macé"))
    assert library.basin_id == basin.id
    admin_client.post_form(f"/admin/users/{world.agent.id}/library", {"library_id": str(library.id)})
    db.session.refresh(world.agent)
    assert world.agent.library_id == library.id
    assert "Médiathèque Jean-Macé" in admin_client.get("/admin/libraries").get_data(as_text=True)


def test_a_group_is_created_and_members_added_and_removed(admin_client, world):
    response = admin_client.post_form("/admin/groups", {"name": "Patrimoine", "review_limit_days": "5",
                                                        "required_approvals": "1", "color": "#aa3300"})
    group = db.session.scalar(select(Group).where(Group.name == "Patrimoine"))
    assert response.headers["Location"].endswith(f"/admin/groups/{group.id}")
    assert group.review_limit_days == 5 and group.color == "#aa3300"
    admin_client.post_form(f"/admin/groups/{group.id}/members", {"username": "alice", "role": "agent"})
    admin_client.post_form(f"/admin/groups/{group.id}/members", {"username": "chloe", "role": "lead"})
    roles = dict(db.session.execute(select(Membership.user_id, Membership.role)
                                    .where(Membership.group_id == group.id)).all())
    assert roles == {world.agent.id: "agent", world.lead.id: "lead"}
    admin_client.post_form(f"/admin/groups/{group.id}/members/{world.agent.id}/remove")
    assert db.session.get(Membership, (world.agent.id, group.id)) is None
    assert [e.type for e in db.session.scalars(select(Event).where(Event.group_id == group.id).order_by(Event.id))] == [
        "group.created", "membership.added", "membership.added", "membership.removed"]


def test_a_duplicate_group_name_is_refused_with_a_message(admin_client, world):
    response = admin_client.post_form("/admin/groups", {"name": "Vidéo"}, follow_redirects=True)
    assert "Refusé" in response.get_data(as_text=True)
    assert db.session.query(Group).filter_by(name="Vidéo").count() == 1


def test_the_cli_and_the_pages_share_add_member(runner, world):
    result = runner.invoke(args=["relais", "add-member", "bruno", "Vidéo", "--role", "lead"])
    assert result.exit_code == 0
    assert db.session.get(Membership, (world.other_agent.id, world.group.id)).role == "lead"


def test_channels_are_created_with_capacity_and_blackout_dates(admin_client, world):
    admin_client.post_form("/admin/channels", {"name": "Instagram", "slug": "instagram", "daily_capacity": "2"})
    channel = db.session.scalar(select(Channel).where(Channel.slug == "instagram"))
    assert channel.daily_capacity == 2
    admin_client.post_form(f"/admin/channels/{channel.id}/capacity", {"daily_capacity": "4"})
    admin_client.post_form(f"/admin/channels/{channel.id}/blackouts", {"day": "2026-12-25", "reason": "Noël"})
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert channel.daily_capacity == 4
    assert [(b.day.isoformat(), b.reason) for b in channel.blackout_dates] == [("2026-12-25", "Noël")]
    admin_client.post_form(f"/admin/channels/{channel.id}/blackouts/remove", {"day": "2026-12-25"})
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).blackout_dates == []


def test_a_webhook_is_registered_and_its_secret_shown_once(admin_client, world, monkeypatch):
    import socket

    # No DNS in the test sandbox: example.org resolves to its public address here.
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.215.14", 443))])
    response = admin_client.post_form("/admin/webhooks", {"channel": "bibliotheque-en-ligne",
                                                          "url": "https://example.org/hook"})
    page = response.get_data(as_text=True)
    assert 'id="webhook-secret"' in page
    assert "https://example.org/hook" in admin_client.get("/admin/channels").get_data(as_text=True)


def test_a_webhook_to_a_private_address_is_refused_with_a_message(admin_client, world):
    response = admin_client.post_form("/admin/webhooks", {"channel": "bibliotheque-en-ligne",
                                                          "url": "http://127.0.0.1/hook"}, follow_redirects=True)
    assert "Refusé" in response.get_data(as_text=True)


def test_every_admin_page_renders(admin_client, world):
    for path in ("/admin", "/admin/users", "/admin/groups", f"/admin/groups/{world.group.id}",
                 "/admin/libraries", "/admin/channels"):
        assert admin_client.get(path).status_code == 200, path
