"""Hostile text in comments and item fields is rendered inert on every page
that shows it: board card, detail panel (rendered body, comments), review
queue, notifications page, and e-mail."""
import re
from html.parser import HTMLParser

import pytest

from workflow.extensions import db
from workflow.models import Item, OutboxMail

from .review_helpers import decide, submit
from .test_realtime import login

PAYLOADS = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    "[clic](javascript:alert('x3'))",
    "[clic](JaVaScRiPt:alert('x4'))",
    "[clic](java\tscript:alert('x5'))",
    "<a href=\"javascript:alert('x6')\">lien</a>",
    "[clic](&#106;avascript:alert('x7'))",
    "![image](javascript:alert('x8'))",
    "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg/onload=alert('x9')>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "\"><script>alert('x10')</script>",
    "' onmouseover='alert(11)",
]
HOSTILE = "\n\n".join(PAYLOADS)
OUR_SCRIPTS = ("/static/",)


class Inspector(HTMLParser):
    """Collects every executable thing a page would run."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            src = attrs.get("src") or ""
            if attrs.get("type") != "application/json" and not src.startswith(OUR_SCRIPTS):
                self.problems.append(f"<script {attrs}>")
        if tag in ("iframe", "object", "embed"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
                if cleaned.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag} {name}={value}")


def assert_inert(html):
    inspector = Inspector()
    inspector.feed(html)
    assert inspector.problems == []


def test_the_inspector_catches_live_payloads():
    inspector = Inspector()
    inspector.feed("<img src=x onerror=alert(1)><a href='JavaScript:x'>a</a><script>x</script>")
    assert len(inspector.problems) == 3


@pytest.fixture
def hostile_item(api, world, new_item):
    """An item whose every text field and comment holds the payloads, reviewed once and resubmitted."""
    item = new_item(author=world.agent, title="<script>alert('t')</script><img src=x onerror=alert(1)>",
                    summary=HOSTILE[:2000], body=HOSTILE)
    api(world.agent).post(f"/api/v1/items/{item['id']}/comments", json={"body": "@chloe " + HOSTILE})
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "request_changes", comment=HOSTILE)
    current = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()
    api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"body": HOSTILE + "\n<b>v2</b>",
                                                                "version": current["version"]})
    submit(api, world.agent, item["id"])
    # A javascript: URL that slipped in before validation (or by hand) must stay inert too.
    db.session.get(Item, item["id"]).resource_url = "javascript:alert('url')"
    db.session.commit()
    return item


def test_board_card_is_inert(client, world, hostile_item):
    login(client, world.lead)
    page = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;t&#39;)" in page
    assert_inert(page)


def test_detail_panel_rendered_body_is_inert(client, world, hostile_item):
    login(client, world.lead)
    html = client.get(f"/items/{hostile_item['id']}/rendered").get_json()["body_html"]
    assert "alert" in html  # the text stays readable...
    assert_inert(html)      # ...but nothing runs


def test_detail_panel_comments_are_inert(api, world, hostile_item):
    comments = api(world.lead).get(f"/api/v1/items/{hostile_item['id']}/comments").get_json()
    assert comments and all("body_html" in c for c in comments)
    for c in comments:
        assert_inert(c["body_html"])


def test_review_queue_is_inert(client, world, hostile_item):
    login(client, world.lead2)
    page = client.get("/reviews").get_data(as_text=True)
    assert "Modifié depuis" in page
    assert_inert(page)
    partial = client.get("/reviews?partial=1").get_data(as_text=True)
    assert_inert(partial)


@pytest.mark.parametrize("who", ["lead", "agent"])
def test_notifications_page_is_inert(client, world, hostile_item, who):
    login(client, getattr(world, who))
    page = client.get("/notifications").get_data(as_text=True)
    assert "alert" in page
    assert_inert(page)


def test_emails_are_inert(world, hostile_item):
    mails = db.session.query(OutboxMail).all()
    assert mails
    for mail in mails:
        assert "alert" in mail.body_html
        assert_inert(mail.body_html)
