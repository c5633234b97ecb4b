"""What the bell's menu and the notifications page show of a notification's body: a
person's Markdown rendered as safe HTML (``body_html``), never executable, and every
other text escaped."""
from html.parser import HTMLParser

from .review_helpers import submit
from .test_realtime import login


def comment(api, user, item_id, body):
    response = api(user).post(f"/api/v1/items/{item_id}/comments", json={"body": body})
    assert response.status_code == 201, response.get_json()


class Tags(HTMLParser):
    """The tags and attributes of a piece of HTML, as a browser would build them."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def executable(html):
    """The tags of ``html`` a browser would run something from: scripts, images and
    frames, event handlers, javascript: links."""
    return [(tag, attrs) for tag, attrs in Tags(html).tags
            if tag in ("script", "img", "iframe", "svg", "object") or any(a.startswith("on") for a in attrs)
            or "javascript:" in (attrs.get("href") or "").lower()]


def latest(api, user):
    response = api(user).get("/api/v1/notifications?limit=10")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["notifications"]


def test_a_comments_markdown_comes_as_rendered_html_beside_the_text(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"], "Précisez la **durée exacte**, @alice.")
    note = latest(api, world.agent)[0]
    assert note["kind"] == "mention"
    assert "**durée exacte**" in note["body"]
    assert "<strong>durée exacte</strong>" in note["body_html"]


def test_a_script_in_a_comment_never_comes_out_executable(client, api, world, new_item):
    item = new_item(author=world.agent)
    attack = ('<script>alert("bell")</script> <img src=x onerror=alert(1)> **gras** '
              '[clic](javascript:alert(2)) <a href="javascript:alert(3)">lien</a> @alice')
    comment(api, world.lead, item["id"], attack)
    note = latest(api, world.agent)[0]
    assert note["kind"] == "mention"
    assert executable(note["body_html"]) == []
    assert "<strong>gras</strong>" in note["body_html"]  # the Markdown still renders
    login(client, world.agent)
    page = client.get("/notifications").get_data(as_text=True)
    notes = page.split('id="note-list"')[1].split("</ul>")[0]
    assert "<strong>gras</strong>" in notes
    assert executable(notes) == []


def test_the_notifications_page_renders_bold_text(client, api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"], "@alice la **durée exacte** manque.")
    login(client, world.agent)
    page = client.get("/notifications").get_data(as_text=True)
    assert "<strong>durée exacte</strong>" in page
    assert "**durée exacte**" not in page
    assert "Non lue" in page  # unread is said in words, not only by a coloured border


def test_a_title_with_markup_is_text_and_a_plain_body_is_escaped(api, world, new_item):
    item = new_item(author=world.agent, title="<b>Cycle</b> **gras**")
    submit(api, world.agent, item["id"])
    note = latest(api, world.lead)[0]
    assert note["kind"] == "review_requested"
    assert note["title"] == "Relecture demandée : « <b>Cycle</b> **gras** »"  # text for textContent
    assert "<strong>" not in note["body_html"] and note["body_html"].startswith("<p>")


def test_mark_all_read_brings_the_count_to_zero(api, world, new_item):
    item = new_item(author=world.agent)
    comment(api, world.lead, item["id"], "@alice vu ?")
    assert api(world.agent).get("/api/v1/notifications/unread").get_json()["unread"] == 1
    assert api(world.agent).post("/api/v1/notifications/read-all").get_json() == {"marked": 1, "unread": 0}
    assert all(n["read"] for n in latest(api, world.agent))


def test_a_decisions_lines_stay_apart_and_its_quote_renders(api, world, new_item):
    from .review_helpers import decide

    item = new_item(author=world.agent)
    submit(api, world.agent, item["id"])
    decide(api, world.lead, item["id"], "request_changes", comment="Ajoutez la **durée**.")
    note = latest(api, world.agent)[0]
    assert note["kind"] == "decision"
    assert "demande des modifications :<br>" in note["body_html"]
    assert "<strong>durée</strong>" in note["body_html"]
