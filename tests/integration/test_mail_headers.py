"""Notification mails as real mail clients and providers read them: a Subject
that survives folding, the headers of automatic list mail (List-Unsubscribe,
One-Click, Auto-Submitted), a +0000 Date, From and Message-ID on the app's own
domain, links at the address people use, and a person's Markdown rendered."""
import logging
import re
from email.utils import parseaddr

import pytest

from workflow import create_app
from .mail_helpers import html_of, mails_to, submitted, text_of
from .test_mentions import comment

PUBLIC = "https://relais.example.org"

LONG_FRENCH_TITLES = [
    "Cycle « Les écrivaines oubliées » : rencontres à la médiathèque François-Mitterrand",
    "Exposition « Mémoires ouvrières » — photographies d’archives de la bibliothèque municipale",
    "Atelier d’écriture créative pour adolescents : « Écrire la ville » à la médiathèque",
    "Conférence « L’histoire de l’imprimerie à Besançon » par la conservatrice du fonds ancien",
    "Projection-débat « Les glaneurs et la glaneuse » d’Agnès Varda, suivie d’une rencontre",
    "Rencontre « Écologie et littérature » avec l’autrice Émilie Hérault-Lefèvre à Besançon",
]


@pytest.fixture
def public(app):
    app.config.update(PUBLIC_URL=PUBLIC, MAIL_GROUP_WINDOW=0)
    return PUBLIC


def test_a_long_french_subject_with_guillemets_reads_back_unchanged(api, world, new_item, public):
    for title in LONG_FRENCH_TITLES:
        submitted(api, new_item, world.agent, title=title)
    mails = mails_to(world.lead)
    assert len(mails) == len(LONG_FRENCH_TITLES)
    for (row, message), title in zip(mails, LONG_FRENCH_TITLES, strict=True):
        assert message["Subject"] == row.subject == f"[Relais] Relecture demandée : « {title} »"


def test_a_notification_mail_carries_one_click_unsubscribe_and_auto_submitted(api, world, new_item, public):
    submitted(api, new_item, world.agent)
    _row, message = mails_to(world.lead)[0]
    assert re.fullmatch(rf"<{re.escape(PUBLIC)}/mail/unsubscribe/[\w.-]+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"


def test_the_date_is_utc_as_plus_0000(api, world, new_item, public):
    submitted(api, new_item, world.agent)
    _row, message = mails_to(world.lead)[0]
    assert message["Date"].endswith("+0000")
    assert message["Date"].datetime.utcoffset().total_seconds() == 0


def test_from_and_message_id_are_on_the_public_urls_domain(api, world, new_item, public):
    submitted(api, new_item, world.agent)
    _row, message = mails_to(world.lead)[0]
    assert parseaddr(message["From"])[1] == "relais@relais.example.org"
    assert message["Message-ID"].endswith("@relais.example.org>")


def test_mail_domain_and_sender_can_be_set_apart(app, api, world, new_item, public):
    app.config.update(MAIL_DOMAIN="mail.bibliotheques.example", MAIL_DEFAULT_SENDER="Réseau <noreply@bib.example>")
    submitted(api, new_item, world.agent)
    _row, message = mails_to(world.lead)[0]
    assert parseaddr(message["From"])[1] == "noreply@bib.example"
    assert message["Message-ID"].endswith("@mail.bibliotheques.example>")


def test_the_same_mail_keeps_its_message_id_when_written_again(app, api, world, new_item, public):
    from workflow.services.mail import build_message

    submitted(api, new_item, world.agent)
    row, message = mails_to(world.lead)[0]
    assert build_message(row)["Message-ID"] == message["Message-ID"]


def _links(message):
    return re.findall(r"https?://[^\s\"<>]+", text_of(message))


def test_links_use_public_url_whatever_address_the_request_came_to(api, world, new_item, public):
    item = new_item(author=world.agent)
    api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"},
                          base_url="http://10.0.0.7:8123")
    _row, message = mails_to(world.lead)[0]
    links = _links(message)
    assert links and all(link.startswith(PUBLIC + "/") for link in links)
    assert f'href="{PUBLIC}/reviews"' in html_of(message)


def test_without_public_url_development_links_use_the_address_the_app_is_reached_at(app, world, new_item, api):
    app.config.update(PUBLIC_URL=None, MAIL_GROUP_WINDOW=0)
    item = new_item(author=world.agent)
    api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"},
                          base_url="http://relais.test:8123")
    _row, message = mails_to(world.lead)[0]
    links = _links(message)
    assert links and all(link.startswith("http://relais.test:8123/") for link in links)
    assert "localhost:5000" not in text_of(message)


def test_without_public_url_a_mail_written_later_uses_the_address_last_seen(app, world, new_item, api):
    from workflow.services.mail import public_url

    app.config.update(PUBLIC_URL=None)
    item = new_item(author=world.agent)
    api(world.agent).post(f"/api/v1/items/{item['id']}/transitions", json={"to": "in_review"},
                          base_url="http://relais.test:8123")
    assert public_url("/reviews") == "http://relais.test:8123/reviews"  # outside any request (scheduler, CLI)


def _production_app(tmp_path, **config):
    return create_app({"SECRET_KEY": "not-the-default", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                       "REDIS_URL": None, "SCHEDULER_ENABLED": False, **config}, config_name="production")


def test_production_warns_at_start_when_public_url_is_unset(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, PUBLIC_URL=None)
    assert any("PUBLIC_URL is not set" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_production_with_public_url_starts_without_the_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, PUBLIC_URL=PUBLIC)
    assert not any("PUBLIC_URL" in r.getMessage() for r in caplog.records)


MARKDOWN_COMMENT = ("@chloe **urgent** : voir [la fiche](https://example.org/fiche) et `ffmpeg -i`\n\n"
                    "- un point\n- un *autre* <script>alert(1)</script>\n\n# Titre\n")


def test_a_mention_mail_renders_markdown_as_plain_text_and_sanitised_html(api, world, new_item, public):
    api(world.lead)._call("PUT", "/api/v1/notifications/preferences", json={"email": {"mention": True}})
    item = new_item(author=world.agent)
    comment(api, world.agent, item["id"], MARKDOWN_COMMENT)
    [(_row, message)] = mails_to(world.lead)
    text = text_of(message)
    assert "urgent" in text and "la fiche (https://example.org/fiche)" in text and "• un point" in text
    for marker in ("**", "](", "`", "# Titre", "- un", "*autre*"):
        assert marker not in text
    html = html_of(message)
    assert "<strong>urgent</strong>" in html and '<a href="https://example.org/fiche"' in html
    assert "<script" not in html and "alert(1)</script>" not in html


def test_a_review_comment_in_a_decision_mail_is_rendered_too(api, world, new_item, public):
    from .review_helpers import decide

    item = submitted(api, new_item, world.agent)
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez **l'affiche** _en grand_.")
    [(_row, message)] = mails_to(world.agent)
    assert "l'affiche" in text_of(message) and "**" not in text_of(message) and "_en grand_" not in text_of(message)
    assert "<strong>l&#39;affiche</strong>" in html_of(message) or "<strong>l'affiche</strong>" in html_of(message)
