"""Nowhere English to a French reader: the error pages (404, 500, an expired form),
the API's problems Werkzeug raises (404, 428, malformed JSON) and the socket
handlers' own acks, in the reader's language — and the session-wide check
(tests/french_coverage.py) that finds an English msgid on a French page."""
import pytest

from workflow.extensions import db

from .. import french_coverage
from .test_realtime import connect, connect_as, login


def speaks(user, locale):
    user.locale = locale
    db.session.commit()


# ---------------------------------------------------------------- error pages

def test_an_unknown_address_gives_a_french_404_page_to_a_signed_in_french_reader(client, world):
    speaks(world.agent, "fr")
    login(client, world.agent)
    response = client.get("/nope", headers={"Accept-Language": "en"})  # the account's language wins
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="fr">' in page
    assert "404 — Page introuvable" in page
    assert "Cette page n&#39;existe pas ou n&#39;existe plus." in page
    assert "Not Found" not in page and "requested URL" not in page


def test_an_anonymous_french_browser_gets_a_french_404_page(client):
    page = client.get("/nope", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert "404 — Page introuvable" in page and "Not Found" not in page


def test_an_anonymous_english_browser_gets_an_english_404_page(client):
    page = client.get("/nope", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "404 — Page not found" in page
    assert "This page does not exist, or no longer does." in page


def test_a_crash_gives_a_french_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/test-crash", "test_crash", crash)
    response = client.get("/test-crash", headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "500 — Erreur du serveur" in page and "Rien de ce que vous avez enregistré n&#39;est perdu" in page
    assert "Internal Server Error" not in page


def test_a_form_sent_without_its_csrf_token_is_explained_in_french(client, world):
    response = client.post("/login", data={"username": "alice", "password": "x"}, headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Formulaire expiré" in page and "rechargez la page" in page
    assert "CSRF token is missing" not in page


# ---------------------------------------------------------------- API problems Werkzeug raises

def test_an_unknown_api_route_is_a_french_problem(api, world):
    problem = api(world.agent).get("/api/v1/nope").get_json()
    assert problem["title"] == "Page introuvable"
    assert problem["detail"].startswith("Cette page n'existe pas")


def test_the_428_problem_is_in_french(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Sans version"})
    assert response.status_code == 428
    assert response.get_json()["title"] == "Version requise"
    assert response.get_json()["detail"] == (
        "Envoyez la version que vous avez lue : en-tête If-Match: \"<version>\" ou « version » dans le corps.")


def test_the_428_problem_is_in_english_for_an_english_reader(api, world, new_item):
    item = new_item()
    speaks(world.agent, "en")
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "No version"})
    assert response.get_json()["title"] == "Version required"
    assert response.get_json()["detail"].startswith("Send the version you read")


def test_malformed_json_is_explained_in_french(api, world, new_item):
    item = new_item()
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}", data="{oops",
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["title"] == "Requête incorrecte"
    assert response.get_json()["detail"].startswith("JSON mal formé :")


# ---------------------------------------------------------------- socket acks

def test_a_socket_join_with_a_bad_payload_is_refused_in_french(app, world):
    ack = connect_as(app, world, world.agent).emit("join", {"group_id": "1"}, callback=True)
    assert ack == {"ok": False, "error": {"status": 422, "title": "Saisie invalide",
                                          "detail": 'join attend {"group_id": <entier>}.'}}


def test_editing_a_card_off_the_board_is_refused_in_french(app, world):
    ack = connect_as(app, world, world.agent).emit(
        "editing", {"group_id": world.group.id, "item_id": 1, "editing": True}, callback=True)
    assert ack["error"] == {"status": 409, "title": "Absent de ce tableau",
                            "detail": "Rejoignez le tableau avant de modifier l'une de ses cartes."}


def test_socket_acks_follow_the_readers_language(app, client, world):
    speaks(world.agent, "en")
    login(client, world.agent)
    ack = connect(app, client).emit("resync", {"group_id": world.group.id}, callback=True)
    assert ack["error"] == {"status": 422, "title": "Invalid input",
                            "detail": 'resync needs {"group_id": int, "since_seq": int}.'}


# ---------------------------------------------------------------- the session-wide check

def test_the_check_finds_an_english_sentence_on_a_french_page():
    page = ('<html lang="fr"><body><h1>Relecture</h1><p>Nothing to review for now. New proposals will '
            'appear here without reloading the page.</p></body></html>')
    found = french_coverage.english_in(french_coverage.html_text(page))
    assert "Nothing to review for now. New proposals will appear here without reloading the page." in found


def test_the_check_finds_english_around_a_placeholder_and_in_a_spoken_attribute():
    page = ('<p>Bonjour</p><button title="Close the panel">×</button>'
            '<p>You already approved this round: another lead of the group must give the second approval.</p>')
    found = french_coverage.english_in(french_coverage.html_text(page))
    assert "Close the panel" in found
    assert any(m.startswith("You already approved this round") for m in found)


def test_the_check_passes_the_french_page_and_ignores_scripts_and_short_words():
    page = ('<p>Rien à relire pour le moment.</p><p>Save</p>'
            '<script type="application/json" id="i18n">{"Nothing to review for now.": "Rien"}</script>')
    assert french_coverage.english_in(french_coverage.html_text(page)) == []


def test_the_check_reads_a_problem_and_an_ack():
    problem = {"title": "Interdit", "detail": "Join the board before editing one of its cards.", "status": 409}
    assert french_coverage.english_in(french_coverage.json_text(problem)) == [
        "Join the board before editing one of its cards."]


def test_the_readers_own_words_quoted_back_are_not_a_leak(app):
    # A fuzzed path, query or body may be an English msgid itself ("Method not allowed"):
    # a problem that quotes it back is not English to translate; the rest still counts.
    problem = {"title": "Introuvable", "detail": "Aucun canal « Method not allowed ». Join the board before "
                                                 "editing one of its cards."}
    with app.test_request_context("/api/v1/channels/Method%20not%20allowed", method="PATCH",
                                  json={"note": "Nothing to review for now."}):
        from flask import request

        quoted = french_coverage.sent_text(request)
        assert "Method not allowed" in quoted and "Nothing to review for now." in quoted
        text = french_coverage.without(french_coverage.json_text(problem), quoted)
    assert french_coverage.english_in(text) == ["Join the board before editing one of its cards."]
    assert "Method not allowed" in french_coverage.english_in(french_coverage.json_text(problem))


@pytest.fixture
def recorder(pytestconfig):
    return french_coverage.EnglishLeakRecorder(pytestconfig)


def test_the_recorder_lists_a_leak_once_per_body(recorder):
    text = "Reconnect and log in."
    recorder.check("socket ack of 'join'", text)
    recorder.check("socket ack of 'resync'", text)  # the same body: read once
    assert recorder.leaks == {"Reconnect and log in.": "socket ack of 'join'"}


def test_field_errors_of_a_422_are_in_french(api, world):
    response = api(world.agent).post(f"/api/v1/groups/{world.group.id}/items",
                                     json={"resource_type": "podcast", "colour": 1})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["title"] == ["Champ obligatoire manquant."]
    assert errors["resource_type"][0].startswith("Doit être ")
    assert errors["colour"] == ["Champ inconnu."]


# ---------------------------------------------------------------- French that reads well

def test_the_queue_counts_approvals_with_a_plural_and_says_the_last_decision_as_a_sentence(client, api, world,
                                                                                         new_item):
    from .review_helpers import decide, submit

    world.group.required_approvals = 2
    db.session.commit()
    item = new_item(author=world.agent)
    submit(api, world.agent, item["id"])
    assert decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez l'affiche.").status_code == 201
    submit(api, world.agent, item["id"])
    assert decide(api, world.lead, item["id"], "approve").status_code == 201
    login(client, world.lead2)
    page = client.get("/reviews").get_data(as_text=True)
    assert "1 approbation sur 2" in page and "approbation(s)" not in page
    assert "Chloe l&#39;a approuvée le " in page  # the last decision of the round, as a sentence
    assert "à modifier par" not in page


def test_the_board_says_the_readers_role_in_a_sentence(client, world):
    login(client, world.coordinator)
    page = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    assert "Vous coordonnez le réseau" in page and "Vous êtes coordination" not in page


def test_a_leak_fails_the_run_and_is_listed(recorder):
    from types import SimpleNamespace

    recorder.config = SimpleNamespace(option=SimpleNamespace(verbose=0))  # the controller: no workeroutput
    recorder.check("200 GET /reviews", "<p>Relectures</p> Join the board before editing one of its cards.")
    session = SimpleNamespace(exitstatus=pytest.ExitCode.OK)
    recorder.pytest_sessionfinish(session)
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    lines = []
    recorder.pytest_terminal_summary(SimpleNamespace(section=lambda *a, **k: None,
                                                     line=lambda text, **k: lines.append(text),
                                                     write_line=lambda text, **k: lines.append(text)))
    assert "200 GET /reviews: 'Join the board before editing one of its cards.'" in lines


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_the_recorder_reads_a_compressed_page_as_its_reader_gets_it(recorder, app, encoding):
    """Pages leave compressed (workflow/compression.py): the check undoes it rather
    than failing on the bytes or passing them unread."""
    import brotli
    import gzip

    from flask import Response

    page = '<!doctype html><html lang="fr"><body><p>Reconnect and log in.</p></body></html>'
    body = brotli.compress(page.encode()) if encoding == "br" else gzip.compress(page.encode())
    response = Response(body, mimetype="text/html", headers={"Content-Encoding": encoding})
    with app.test_request_context("/compressed"):
        recorder.response_sent(app, response)
    assert recorder.leaks == {"Reconnect and log in.": "200 GET /compressed"}
