"""Cross-origin writes refused by their Origin header (on top of the CSRF token),
connect-src limited to the app's own origin, API answers kept out of caches,
and HSTS over HTTPS only."""
import re

import pytest

from tests.conftest import make_app
from workflow.extensions import db

FOREIGN = "https://evil.example"


def _sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _csrf_token(client):
    page = client.get("/account/password").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _create_item(client, world, **headers):
    return client.post(f"/api/v1/groups/{world.group.id}/items",
                       json={"title": "Depuis le navigateur", "resource_type": "video"}, headers=headers)


# --- 1. Origin ----------------------------------------------------------------

def test_cookie_api_write_from_a_foreign_origin_is_refused_even_with_a_valid_csrf_token(client, world):
    _sign_in(client, world.agent)
    response = _create_item(client, world, **{"X-CSRFToken": _csrf_token(client), "Origin": FOREIGN})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 403
    from workflow.models import Item

    assert db.session.query(Item).count() == 0


@pytest.mark.parametrize("origin", ["null", "http://localhost.evil.example", "https://localhost", "http://localhost:8080"])
def test_cookie_api_write_from_any_other_origin_is_refused(client, world, origin):
    _sign_in(client, world.agent)
    response = _create_item(client, world, **{"X-CSRFToken": _csrf_token(client), "Origin": origin})
    assert response.status_code == 403


@pytest.mark.parametrize("method, path", [("PUT", "/api/v1/notifications/preferences"),
                                          ("PATCH", "/api/v1/items/{id}"), ("DELETE", "/api/v1/items/{id}")])
def test_every_unsafe_method_checks_the_origin(client, world, new_item, method, path):
    item = new_item()
    _sign_in(client, world.agent)
    response = client.open(path.format(id=item["id"]), method=method, json={"email": False, "title": "Changé"},
                           headers={"X-CSRFToken": _csrf_token(client), "Origin": FOREIGN})
    assert response.status_code == 403


def test_cookie_api_write_from_the_same_origin_works(client, world):
    _sign_in(client, world.agent)
    response = _create_item(client, world, **{"X-CSRFToken": _csrf_token(client), "Origin": "http://localhost"})
    assert response.status_code == 201


def test_cookie_api_write_without_origin_works(client, world):
    _sign_in(client, world.agent)
    assert _create_item(client, world, **{"X-CSRFToken": _csrf_token(client)}).status_code == 201


def test_public_url_counts_as_the_apps_own_origin(tmp_path):
    app = make_app(tmp_path, PUBLIC_URL="https://relais.example.org/")
    with app.app_context():
        db.create_all()
        from tests import factories as f

        group = f.GroupFactory(name="Vidéo")
        agent = f.UserFactory(username="alice")
        f.MembershipFactory(user=agent, group=group, role="agent")
        db.session.commit()
        client = app.test_client()
        _sign_in(client, agent)
        token = _csrf_token(client)
        ok = client.post(f"/api/v1/groups/{group.id}/items", json={"title": "Ok", "resource_type": "video"},
                         headers={"X-CSRFToken": token, "Origin": "https://relais.example.org"})
        assert ok.status_code == 201
        db.session.remove()
        db.engine.dispose()


def test_form_post_from_a_foreign_origin_gets_a_clear_page(client, world):
    _sign_in(client, world.agent)
    response = client.post("/logout", data={"csrf_token": _csrf_token(client)}, headers={"Origin": FOREIGN})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "un autre site" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 200  # still signed in: the post did nothing


def test_login_form_from_a_foreign_origin_is_refused(client, world):
    from tests import factories as f

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "alice", "password": f.PASSWORD, "csrf_token": token},
                           headers={"Origin": FOREIGN})
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_bearer_api_write_ignores_the_origin(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                     json={"title": "Avec jeton", "resource_type": "video"},
                                     headers={"Origin": FOREIGN})
    assert response.status_code == 201


def test_foreign_origin_reads_are_not_refused(client, world):
    _sign_in(client, world.agent)
    assert client.get("/api/v1/me", headers={"Origin": FOREIGN}).status_code == 200


# --- 2. connect-src -------------------------------------------------------------

def test_connect_src_is_the_apps_own_origin_only(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    connect = re.search(r"connect-src ([^;]*)", csp).group(1).split()
    assert connect == ["'self'"]


# --- 3. Cache-Control -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/events", "/api/v1/groups", "/api/v1/openapi.json"])
def test_api_answers_are_not_stored(api, world, path):
    response = api(world.agent).get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_api_errors_are_not_stored(api):
    response = api(None).get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_board_keeps_its_revalidated_etag_policy(api, world):
    response = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board")
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]


def test_the_public_atom_feed_keeps_its_cache_policy(client, world):
    response = client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_pages_are_not_given_the_api_policy(client):
    assert client.get("/login").headers.get("Cache-Control") != "private, no-store"


# --- 4. HSTS ----------------------------------------------------------------------

def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_a_forwarded_proto_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


OPENAPI = "/api/v1/openapi.json"  # answers without a database


def test_hsts_behind_a_trusted_proxy_forwarding_https(tmp_path):
    app = make_app(tmp_path, TRUSTED_PROXIES=1)
    response = app.test_client().get(OPENAPI, headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in app.test_client().get(OPENAPI).headers


def test_hsts_seconds_sets_the_age_and_zero_turns_it_off(tmp_path):
    short = make_app(tmp_path, HSTS_SECONDS=600).test_client().get(OPENAPI, base_url="https://localhost")
    assert short.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    off = make_app(tmp_path, HSTS_SECONDS=0).test_client().get(OPENAPI, base_url="https://localhost")
    assert "Strict-Transport-Security" not in off.headers


def test_the_sample_nginx_config_sends_hsts_over_https_only():
    import pathlib

    conf = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "nginx.conf").read_text()
    assert re.search(r'map \$scheme \$relais_hsts \{\s*https\s+"max-age=31536000; includeSubDomains";'
                     r'\s*default\s+"";', conf)
    # Every location that sets its own add_header must repeat it (nginx does not inherit then).
    assert conf.count("add_header Strict-Transport-Security $relais_hsts always;") == 2


def test_json_answers_draw_no_csp_nonce_and_each_page_gets_a_fresh_one(client, api, world):
    answer = api(world.agent).get("/api/v1/me")
    assert answer.status_code == 200 and "nonce-" not in answer.headers["Content-Security-Policy"]
    _sign_in(client, world.agent)
    nonces = []
    for _ in range(2):
        page = client.get("/calendar")
        assert page.status_code == 200
        header = re.search(r"style-src 'self' 'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
        assert f'content="{header}"' in page.get_data(as_text=True)  # the page's <meta name="csp-nonce">
        nonces.append(header)
    assert nonces[0] != nonces[1]
    assert "nonce-" not in api(world.agent).get("/api/v1/me").headers["Content-Security-Policy"]
