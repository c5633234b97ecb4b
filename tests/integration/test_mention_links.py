"""The @mention picker's list (GET /api/v1/groups/<id>/members), mentions and bare
addresses turned into links when comments and descriptions are rendered, the person
page a mention links to, and the "changes requested" flag of a card sent back."""
import re

from workflow.extensions import db

from .review_helpers import decide, submit
from .test_realtime import login


def names(response):
    assert response.status_code == 200, response.get_json()
    return [m["username"] for m in response.get_json()]


def test_members_match_a_display_name_ignoring_accents(api, world):
    world.lead.display_name = "Chloé Bernard"
    db.session.commit()
    members = api(world.agent).get(f"/api/v1/groups/{world.group.id}/members?q=ch").get_json()
    assert [(m["username"], m["display_name"]) for m in members] == [("chloe", "Chloé Bernard")]
    assert names(api(world.agent).get(f"/api/v1/groups/{world.group.id}/members?q=BERN")) == ["chloe"]


def test_members_match_a_username_and_list_everyone_without_q(api, world):
    assert names(api(world.agent).get(f"/api/v1/groups/{world.group.id}/members?q=lou")) == ["louis"]
    assert names(api(world.agent).get(f"/api/v1/groups/{world.group.id}/members")) == [
        "alice", "anna", "chloe", "louis"]


def test_inactive_members_are_never_offered(api, world):
    assert names(api(world.agent).get(f"/api/v1/groups/{world.group.id}/members?q=gh")) == []


def test_a_non_member_cannot_list_a_group_s_members(api, world):
    response = api(world.other_agent).get(f"/api/v1/groups/{world.group.id}/members?q=ch")
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")


def test_a_coordinator_may_list_any_group_s_members(api, world):
    assert names(api(world.coordinator).get(f"/api/v1/groups/{world.group.id}/members?q=al")) == ["alice"]


def test_a_too_long_query_is_refused_with_a_problem(api, world):
    response = api(world.agent).get(f"/api/v1/groups/{world.group.id}/members?q={'x' * 41}")
    assert response.status_code == 422
    assert "q" in response.get_json()["errors"]


def test_a_comment_links_mentions_of_members_only(api, world, new_item):
    item = new_item(author=world.agent)
    body = "@chloe et @bruno et @ghost, voir https://example.org/page <script>alert(1)</script>"
    posted = api(world.agent).post(f"/api/v1/items/{item['id']}/comments", json={"body": body}).get_json()
    listed = api(world.agent).get(f"/api/v1/items/{item['id']}/comments").get_json()[0]
    for html in (posted["body_html"], listed["body_html"]):
        assert '<a href="/people/chloe" class="mention"' in html
        assert "/people/bruno" not in html and "/people/ghost" not in html  # not in the group, inactive
        assert "@bruno" in html and "@ghost" in html
        assert '<a href="https://example.org/page"' in html
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_description_links_mentions_and_bare_addresses(client, api, world, new_item):
    item = new_item(author=world.agent, body="Demander à @louis. Source : www.example.org\n\n`@chloe`")
    login(client, world.agent)
    html = client.get(f"/items/{item['id']}/rendered").get_json()["body_html"]
    assert '<a href="/people/louis" class="mention"' in html
    assert '<a href="http://www.example.org"' in html
    assert "<code>@chloe</code>" in html  # code stays code


def test_the_person_page_shows_name_library_and_shared_groups(client, world):
    login(client, world.agent)
    page = client.get("/people/chloe").get_data(as_text=True)
    assert world.lead.display_name in page and world.group.name in page
    assert world.other_group.name not in page


def test_the_person_page_is_not_found_for_someone_sharing_no_group(client, world):
    login(client, world.agent)
    assert client.get("/people/emma").status_code == 404
    assert client.get("/people/ghost").status_code == 404


def test_a_card_sent_back_for_changes_says_so_until_submitted_again(api, world, new_item):
    item = new_item(author=world.agent)
    submit(api, world.agent, item["id"])
    assert decide(api, world.lead, item["id"], "request_changes", "Préciser le public").status_code == 201
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["changes_requested"] is True
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    card = next(c for col in board["columns"] for c in col["items"] if c["id"] == item["id"])
    assert card["changes_requested"] is True
    submit(api, world.agent, item["id"])
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["changes_requested"] is False


def test_the_description_preview_links_members_of_the_item_s_group(client, world):
    login(client, world.agent)
    page = client.get(f"/groups/{world.group.id}/board").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def preview(**payload):
        return client.post("/markdown/preview", json=payload, headers={"X-CSRFToken": token})

    html = preview(text="@chloe et @emma", group_id=world.group.id).get_json()["html"]
    assert '<a href="/people/chloe" class="mention"' in html and "/people/emma" not in html
    assert preview(text="@emma", group_id=world.other_group.id).status_code == 404
    assert "mention" not in preview(text="@chloe").get_json()["html"]


def test_the_review_queue_links_mentions_in_the_description_and_the_last_comment(client, api, world, new_item):
    item = new_item(author=world.agent, body="Relu avec @anna, à montrer à @emma.")
    submit(api, world.agent, item["id"])
    assert decide(api, world.lead, item["id"], "request_changes", "Voir avec @louis pour l'image").status_code == 201
    submit(api, world.agent, item["id"])
    login(client, world.lead2)
    for path in ("/reviews", "/reviews?partial=1"):  # the page, and the part the live queue redraws
        page = client.get(path).get_data(as_text=True)
        entry = page[page.index(f'id="review-{item["id"]}"'):]
        entry = entry[:entry.index("</li>")]
        assert '<a href="/people/anna" class="mention"' in entry, path
        assert '<a href="/people/louis" class="mention"' in entry, path
        assert "/people/emma" not in entry, path  # not a member of the group: plain text
