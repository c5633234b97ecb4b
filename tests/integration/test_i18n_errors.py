"""Refusals in the reader's language: the API's problem detail (which the board's
toasts show), the admin pages' flash messages, and the words inside a refusal —
state names, transitions, who may act, dates — with names people gave (groups,
channels, persons) shown as they are."""
import html
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import refresh

from workflow.domain.errors import N_, Conflict, RuleBroken, Text, either
from workflow.domain.states import state_name
from workflow.extensions import db
from workflow.i18n import translate_error

from .. import factories as f

PARIS = ZoneInfo("Europe/Paris")
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December")


def speaks(user, locale):
    user.locale = locale
    db.session.commit()


def transitions(item):
    return f"/api/v1/items/{item['id']}/transitions"


# ---------------------------------------------------------------- refused transitions (API)

def test_a_move_the_workflow_refuses_is_explained_in_french(api, world, new_item):
    item = new_item(author=world.agent)
    response = api(world.agent).post(transitions(item), json={"to": "published"})
    assert response.status_code == 409
    assert response.get_json()["title"] == "Conflit"
    assert response.get_json()["detail"] == (
        "Un élément ne peut pas passer de « Proposé » à « Publié ». Depuis « Proposé », les transitions "
        "possibles sont : « soumettre à la relecture » vers « En relecture » par l'auteur·rice ou un membre du groupe.")


def test_a_move_the_workflow_refuses_is_explained_in_english(api, world, new_item):
    item = new_item(author=world.agent)
    speaks(world.agent, "en")
    response = api(world.agent).post(transitions(item), json={"to": "published"})
    assert response.status_code == 409
    assert response.get_json()["detail"] == (
        "An item cannot go from 'Proposed' to 'Published'. From 'Proposed' the allowed transitions are: "
        "'submit for review' to 'In review' by the author or a member of the group.")


def test_an_action_the_state_refuses_lists_every_allowed_move_in_the_readers_language(api, world, new_item):
    item = new_item(author=world.agent)
    api(world.agent).post(transitions(item), json={"to": "in_review"})
    day = (datetime.now(PARIS) + timedelta(days=10)).date()
    schedule = {"scheduled_at": f"{day.isoformat()}T10:00:00+02:00", "channel": "bibliotheque-en-ligne"}
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/schedule", json=schedule)
    assert response.status_code == 409
    assert response.get_json()["detail"] == (
        "L'action « programmer » n'est pas possible sur un élément à l'état « En relecture ». "
        "Depuis « En relecture », les transitions possibles sont : "
        "« retirer de la relecture » vers « Proposé » par l'auteur·rice ; "
        "« demander des modifications » vers « Proposé » par un·e responsable du groupe "
        "(autre que l'auteur·rice de l'élément) ; "
        "« approuver » vers « Approuvé » par un·e responsable du groupe (autre que l'auteur·rice de l'élément) ; "
        "« refuser » vers « Refusé » par un·e responsable du groupe (autre que l'auteur·rice de l'élément).")
    speaks(world.lead, "en")
    response = api(world.lead).post(f"/api/v1/items/{item['id']}/schedule", json=schedule)
    assert response.get_json()["detail"] == (
        "Cannot 'schedule' an item that is 'In review'. From 'In review' the allowed transitions are: "
        "'withdraw from review' to 'Proposed' by the author; "
        "'request changes' to 'Proposed' by a lead of the group (not the item's author); "
        "'approve' to 'Approved' by a lead of the group (not the item's author); "
        "'reject' to 'Rejected' by a lead of the group (not the item's author).")


def test_an_author_approving_their_own_item_is_told_the_four_eyes_rule_in_their_language(api, world, new_item):
    item = new_item(author=world.lead)
    api(world.lead).post(transitions(item), json={"to": "in_review"})
    french = api(world.lead).post(transitions(item), json={"to": "approved"})
    assert french.status_code == 403
    assert (french.get_json()["title"], french.get_json()["detail"]) == (
        "Interdit", "Vous ne pouvez pas approuver un élément dont vous êtes l'auteur·rice (règle des quatre yeux) : "
                    "un·e autre responsable du groupe doit le faire.")
    speaks(world.lead, "en")
    english = api(world.lead).post(transitions(item), json={"to": "approved"})
    assert (english.get_json()["title"], english.get_json()["detail"]) == (
        "Forbidden", "You may not approve an item you authored (four-eyes rule): another lead of the group must do it.")


def test_an_agent_approving_is_told_who_may_in_their_language(api, world, new_item):
    item = new_item(author=world.agent)
    api(world.agent).post(transitions(item), json={"to": "in_review"})
    french = api(world.agent2).post(transitions(item), json={"to": "approved"})
    assert french.status_code == 403
    assert french.get_json()["detail"] == (
        "Pour cet élément, seul·e un·e responsable du groupe (autre que l'auteur·rice de l'élément) peut approuver.")
    speaks(world.agent2, "en")
    english = api(world.agent2).post(transitions(item), json={"to": "approved"})
    assert english.get_json()["detail"] == "Only a lead of the group (not the item's author) may approve this item."


def test_a_move_to_the_column_the_item_is_in_names_the_state_in_the_readers_language(api, world, new_item):
    item = new_item(author=world.agent)
    assert api(world.agent).post(transitions(item), json={"to": "proposed"}).get_json()["detail"] == (
        "L'élément est déjà à l'état « Proposé ».")
    speaks(world.agent, "en")
    assert api(world.agent).post(transitions(item), json={"to": "proposed"}).get_json()["detail"] == (
        "The item is already 'Proposed'.")


def test_a_claimed_review_names_its_reviewer_in_the_readers_language(api, world, new_item):
    item = new_item(author=world.agent)
    api(world.agent).post(transitions(item), json={"to": "in_review"})
    api(world.lead).post(f"/api/v1/items/{item['id']}/claim")
    name = world.lead.display_name
    french = api(world.lead2).post(f"/api/v1/items/{item['id']}/claim")
    assert french.status_code == 409
    assert french.get_json()["detail"] == f"{name} s'occupe déjà de la relecture de cet élément."
    speaks(world.lead2, "en")
    english = api(world.lead2).post(f"/api/v1/items/{item['id']}/claim")
    assert english.get_json()["detail"] == f"{name} already reviews this item."


def test_the_field_messages_of_a_refused_item_follow_the_readers_language(api, world):
    path = f"/api/v1/groups/{world.group.id}/items"
    payload = {"title": "Cycle cinéma japonais", "resource_type": "video", "channel": "nulle-part"}
    french = api(world.agent).post(path, json=payload)
    assert french.status_code == 422
    assert french.get_json()["errors"] == {"channel": ["Canal « nulle-part » inconnu."]}
    speaks(world.agent, "en")
    english = api(world.agent).post(path, json=payload)
    assert english.get_json()["errors"] == {"channel": ["Unknown channel 'nulle-part'."]}


# ---------------------------------------------------------------- scheduling refusals (API)

def future_day(days=10):
    return (datetime.now(PARIS) + timedelta(days=days)).date()


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def approved_item(world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved")
    db.session.commit()
    return item


def schedule(api, user, item, day):
    return api(user).post(f"/api/v1/items/{item.id}/schedule",
                          json={"scheduled_at": at(day).isoformat(), "channel": "bibliotheque-en-ligne"})


def french_day(day):
    return f"{day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def english_day(day):
    return f"{ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"


def english_slot(day):
    return f"{day.month}/{day.day}/{day:%y}, 10:00\u202fAM"


@pytest.fixture
def blackout_day(api, world):
    day = future_day()
    response = api(world.coordinator).post("/api/v1/channels/bibliotheque-en-ligne/blackout-dates",
                                           json={"day": day.isoformat()})
    assert response.status_code in (200, 201)
    return day


@pytest.fixture
def full_day(world):
    day = future_day()
    for hour in (9, 11, 14):
        f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                      scheduled_at=at(day, hour).astimezone(ZoneInfo("UTC")))
    db.session.commit()
    return day


def test_a_blackout_date_refusal_gives_the_date_and_channel_in_french(api, world, blackout_day):
    response = schedule(api, world.coordinator, approved_item(world), blackout_day)
    assert response.status_code == 422 and response.get_json()["rule"] == "blackout"
    after = blackout_day + timedelta(days=1)
    assert response.get_json()["detail"] == (
        f"Le {french_day(blackout_day)} est un jour de fermeture du canal « Bibliothèque en ligne ». "
        f"Prochain créneau libre : {after:%d/%m/%Y} 10:00.")


def test_a_blackout_date_refusal_gives_the_date_and_channel_in_english(api, world, blackout_day):
    speaks(world.coordinator, "en")
    response = schedule(api, world.coordinator, approved_item(world), blackout_day)
    assert response.get_json()["detail"] == (
        f"{english_day(blackout_day)} is a blackout date on channel 'Bibliothèque en ligne'. "
        f"Next free slot: {english_slot(blackout_day + timedelta(days=1))}.")


def test_a_full_channel_refusal_gives_the_channel_date_and_capacity_in_french(api, world, full_day):
    response = schedule(api, world.coordinator, approved_item(world), full_day)
    assert response.status_code == 422 and response.get_json()["rule"] == "capacity"
    after = full_day + timedelta(days=1)
    assert response.get_json()["detail"] == (
        f"Le canal « Bibliothèque en ligne » est complet le {french_day(full_day)} (capacité quotidienne : 3). "
        f"Prochain créneau libre : {after:%d/%m/%Y} 10:00.")


def test_a_full_channel_refusal_gives_the_channel_date_and_capacity_in_english(api, world, full_day):
    speaks(world.coordinator, "en")
    response = schedule(api, world.coordinator, approved_item(world), full_day)
    assert response.get_json()["detail"] == (
        f"Channel 'Bibliothèque en ligne' is full on {english_day(full_day)} (daily capacity 3). "
        f"Next free slot: {english_slot(full_day + timedelta(days=1))}.")


# ---------------------------------------------------------------- admin pages (flash messages)

def flashes(response):
    return [html.unescape(m) for m in re.findall(r'<p class="flash" role="status">(.*?)</p>',
                                                  response.get_data(as_text=True), re.S)]


@pytest.fixture
def admin_page(client, world):
    """``admin_page(locale)``: the admin signed in, reading ``locale``; returns ``post(path, data)``."""

    def sign_in(locale):
        speaks(world.admin, locale)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "admin", "password": f.PASSWORD, "csrf_token": token})
        token = client.get("/admin/groups").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]

        def post(path, data):
            return client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)

        return post

    return sign_in


def test_an_admin_refusal_is_flashed_in_french(admin_page):
    post = admin_page("fr")
    assert flashes(post("/admin/groups", {"name": "Vidéo"})) == ["Refusé : Un groupe « Vidéo » existe déjà."]
    assert flashes(post("/admin/groups", {"name": "Jeux", "review_limit_days": "90"})) == [
        "Refusé : « Délai de relecture (jours ouvrés) » doit être un nombre entier de 1 à 60."]


def test_an_admin_refusal_is_flashed_in_english(admin_page):
    post = admin_page("en")
    assert flashes(post("/admin/groups", {"name": "Vidéo"})) == ["Refused: A group 'Vidéo' already exists."]
    assert flashes(post("/admin/groups", {"name": "Jeux", "review_limit_days": "90"})) == [
        "Refused: Review time limit (working days) is a whole number from 1 to 60."]


def test_admin_success_messages_follow_the_readers_language(admin_page, world):
    post = admin_page("fr")
    assert flashes(post("/admin/groups", {"name": "Jeux vidéo"})) == ["Groupe créé. Ajoutez-y maintenant ses membres."]
    assert flashes(post(f"/admin/groups/{world.group.id}/members", {"username": "bruno", "role": "lead"})) == [
        "bruno ajouté·e au groupe (responsable)."]
    speaks(world.admin, "en")
    assert flashes(post("/admin/groups", {"name": "Video games"})) == ["Group created. Now add its members."]
    assert flashes(post(f"/admin/groups/{world.group.id}/members", {"username": "anna", "role": "agent"})) == [
        "anna added to the group (agent)."]
    assert flashes(post(f"/admin/groups/{world.group.id}/members", {"username": "bruno", "role": "lead"})) == [
        "bruno added to the group (lead)."]


def test_the_sign_in_request_follows_the_browsers_language(client, world):
    english = client.get("/admin/groups", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Log in to see this page." in flashes(english)
    french = client.get("/admin/groups", headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert "Connectez-vous pour accéder à cette page." in flashes(french)


# ---------------------------------------------------------------- translate_error and its params

@pytest.fixture
def reading(app):
    """``with reading("fr"):`` inside a request whose reader's language is ``fr``."""

    @contextmanager
    def request_in(locale):
        with app.test_request_context("/", headers={"Accept-Language": locale}):
            refresh()  # Flask-Babel keeps the locale on ``g``, which the test's app context shares
            yield
        refresh()

    return request_in


def in_both(reading, exc):
    out = []
    for locale in ("fr", "en"):
        with reading(locale):
            out.append(translate_error(exc))
    return out


def test_translate_error_translates_params_that_are_words_and_keeps_the_english_detail(app, reading):
    exc = Conflict(N_("Only %(who)s may %(action)s this item."),
                   params={"who": either([Text(N_("the author")), Text(N_("a lead of the group"))]),
                           "action": Text(N_("approve"))})
    assert exc.detail == "Only the author or a lead of the group may approve this item."
    assert in_both(reading, exc) == [
        "Pour cet élément, seul·e l'auteur·rice ou un·e responsable du groupe peut approuver.",
        "Only the author or a lead of the group may approve this item."]


def test_a_state_param_is_its_key_in_the_detail_and_its_name_for_the_reader(app, reading):
    exc = Conflict(N_("The item is already '%(state)s'."), params={"state": state_name("in_review")})
    assert exc.detail == "The item is already 'in_review'."
    assert in_both(reading, exc) == ["L'élément est déjà à l'état « En relecture ».",
                                     "The item is already 'In review'."]


def test_a_name_someone_gave_is_never_translated_even_when_it_is_a_msgid(app, reading):
    exc = Conflict(N_("A group '%(name)s' already exists."), params={"name": "Approved"})
    assert in_both(reading, exc) == ["Un groupe « Approved » existe déjà.", "A group 'Approved' already exists."]


def test_a_date_param_is_written_for_the_reader_and_iso_in_the_detail(app, reading):
    exc = RuleBroken(N_("%(day)s is a blackout date on channel '%(channel)s'."),
                     params={"day": date(2026, 7, 14), "channel": "Lettre"})
    exc.add_sentence(N_("Next free slot: %(slot)s."), {"slot": datetime(2026, 7, 15, 8, 0, tzinfo=ZoneInfo("UTC"))})
    assert exc.detail == ("2026-07-14 is a blackout date on channel 'Lettre'. "
                          "Next free slot: 2026-07-15T08:00:00+00:00.")
    assert in_both(reading, exc) == [
        "Le 14 juillet 2026 est un jour de fermeture du canal « Lettre ». Prochain créneau libre : 15/07/2026 10:00.",
        "July 14, 2026 is a blackout date on channel 'Lettre'. Next free slot: 7/15/26, 10:00\u202fAM."]
