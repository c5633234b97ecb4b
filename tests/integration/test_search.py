"""Search across groups (services.search, GET /api/v1/search): French words with their
stems and accents folded, only in groups the person may see, kept in step by the
services that change items, ranked, highlighted safely. The same tests run on SQLite
and, with RELAIS_TEST_DB=postgresql, on PostgreSQL."""
import pytest

from workflow.extensions import db
from workflow.services import search as search_service

QUARTIER = "Les bibliothèques du quartier"


def _search(api, user, q, **params):
    response = api(user).get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _titles(body):
    return [hit["item"]["title"] for hit in body["results"]]


def test_words_without_accents_find_their_stems_in_the_callers_groups_only(api, world, new_item):
    mine = new_item(title=QUARTIER)
    new_item(author=world.other_agent, group=world.other_group, title="Les bibliothèques de la ville")
    body = _search(api, world.agent, "bibliotheques")
    assert _titles(body) == [QUARTIER]
    assert body["total"] == 1
    assert body["results"][0]["item"]["id"] == mine["id"]
    assert body["results"][0]["item"]["group_id"] == world.group.id
    assert body["results"][0]["group_name"] == "Vidéo"


def test_a_singular_and_a_prefix_find_the_plural(api, world, new_item):
    new_item(title=QUARTIER)
    assert _titles(_search(api, world.agent, "Bibliothèque")) == [QUARTIER]
    assert _titles(_search(api, world.agent, "biblio")) == [QUARTIER]


def test_coordinator_finds_items_of_every_group(api, world, new_item):
    new_item(title="Atelier numérique")
    new_item(author=world.other_agent, group=world.other_group, title="Atelier contes numériques")
    assert sorted(_titles(_search(api, world.coordinator, "numerique"))) == [
        "Atelier contes numériques", "Atelier numérique"]
    assert _titles(_search(api, world.agent, "numerique")) == ["Atelier numérique"]


def test_comments_and_labels_are_found(api, world, new_item):
    commented = new_item(title="Cycle cinéma")
    labelled = new_item(title="Heure du conte", labels=["Marionnettes"])
    assert api(world.lead).post(f"/api/v1/items/{commented['id']}/comments",
                                json={"body": "Prévoir la salle polyvalente"}).status_code == 201
    hit = _search(api, world.agent, "polyvalente")["results"]
    assert [h["item"]["id"] for h in hit] == [commented["id"]]
    assert hit[0]["field"] == "comment"
    assert "<mark>polyvalente</mark>" in hit[0]["snippet"]
    assert [h["item"]["id"] for h in _search(api, world.agent, "marionnette")["results"]] == [labelled["id"]]


def test_an_edit_through_the_service_updates_the_index(api, world, new_item):
    item = new_item(title="Tournoi d'échecs")
    response = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                      json={"title": "Club de lecture", "version": item["version"]})
    assert response.status_code == 200, response.get_json()
    assert _search(api, world.agent, "echecs")["results"] == []
    assert _titles(_search(api, world.agent, "lecture")) == ["Club de lecture"]


def test_renaming_a_label_reindexes_the_items_carrying_it(api, world, new_item):
    item = new_item(title="Heure du conte", labels=["Marionnettes"])
    label_id = item["labels"][0]["id"]
    assert api(world.lead).patch(f"/api/v1/labels/{label_id}", json={"name": "Kamishibaï"}).status_code == 200
    assert _search(api, world.agent, "marionnettes")["results"] == []
    assert _titles(_search(api, world.agent, "kamishibai")) == ["Heure du conte"]
    assert api(world.lead).delete(f"/api/v1/labels/{label_id}").status_code == 200
    assert _search(api, world.agent, "kamishibai")["results"] == []


def test_a_title_match_ranks_before_a_comment_match(api, world, new_item):
    commented = new_item(title="Atelier couture")
    titled = new_item(title="Tricot pour tous")
    api(world.lead).post(f"/api/v1/items/{commented['id']}/comments", json={"body": "Ajouter du tricot ?"})
    results = _search(api, world.agent, "tricot")["results"]
    assert [h["item"]["id"] for h in results] == [titled["id"], commented["id"]]
    assert results[0]["rank"] > results[1]["rank"]


def test_the_highlight_escapes_stored_html_and_marks_the_words(api, world, new_item):
    new_item(title="<script>alert(1)</script> Bibliothèques & cie",
             summary='<img src=x onerror="alert(2)"> les bibliothèques en fête')
    hit = _search(api, world.agent, "bibliotheque")["results"][0]
    assert hit["title_html"] == ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>Bibliothèques</mark> &amp; cie")
    assert "<img" not in hit["snippet"] and "&lt;img" in hit["snippet"]
    assert "<mark>bibliothèques</mark>" in hit["snippet"]


def test_trashed_and_archived_items_only_on_request(api, world, new_item):
    trashed = new_item(title="Lecture à voix haute")
    assert api(world.agent).delete(f"/api/v1/items/{trashed['id']}").status_code == 200
    assert _search(api, world.agent, "lecture")["results"] == []
    assert _titles(_search(api, world.agent, "lecture", include_hidden="1")) == ["Lecture à voix haute"]
    assert api(world.agent).post(f"/api/v1/items/{trashed['id']}/restore").status_code == 200
    assert _titles(_search(api, world.agent, "lecture")) == ["Lecture à voix haute"]


def test_group_and_state_narrow_the_results(api, world, new_item):
    new_item(title="Atelier numérique")
    new_item(author=world.other_agent, group=world.other_group, title="Atelier contes")
    body = _search(api, world.coordinator, "atelier", group=world.other_group.id)
    assert _titles(body) == ["Atelier contes"]
    assert _search(api, world.coordinator, "atelier", state="approved")["results"] == []


def test_a_group_the_caller_cannot_see_is_404(api, world):
    response = api(world.agent).get("/api/v1/search", query_string={"q": "atelier", "group": world.other_group.id})
    assert response.status_code == 404


@pytest.mark.parametrize("params, name", [
    ({"q": "x", "limit": "0"}, "limit"), ({"q": "x", "limit": "many"}, "limit"),
    ({"q": "x", "group": "-1"}, "group"), ({"q": "x", "state": "lost"}, "state"),
    ({"q": "x", "include_hidden": "maybe"}, "include_hidden"), ({"q": "x" * 201}, "q"),
    ({"q": "x", "colour": "red"}, "colour"),
])
def test_a_bad_parameter_is_a_400_naming_it(api, world, params, name):
    response = api(world.agent).get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert name in response.get_json()["errors"]


def test_an_empty_query_finds_nothing(api, world, new_item):
    new_item(title=QUARTIER)
    assert _search(api, world.agent, "") == {"results": [], "total": 0}
    assert _search(api, world.agent, " ,;' ") == {"results": [], "total": 0}


def test_quotes_and_operators_in_the_query_are_only_words(api, world, new_item):
    new_item(title=QUARTIER)
    for q in ('"bibliothèques', "bibliothèques' --", "quartier:* & !", "(quartier) * ^", "quartier\\ | <->"):
        assert _titles(_search(api, world.agent, q)) == [QUARTIER], q


def test_anonymous_caller_is_401(api):
    assert api(None).get("/api/v1/search?q=x").status_code == 401


def test_reindex_rebuilds_the_index_from_the_items(api, world, new_item, runner):
    new_item(title=QUARTIER)
    db.session.execute(search_service.delete(search_service.SearchDocument))
    if db.engine.dialect.name == "sqlite":
        db.session.execute(search_service.text("DELETE FROM search_fts"))
    db.session.commit()
    assert _search(api, world.agent, "quartier")["results"] == []
    result = runner.invoke(args=["relais", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 item" in result.output
    assert _titles(_search(api, world.agent, "quartier")) == [QUARTIER]


def test_bulk_labels_and_duplicates_are_indexed(api, world, new_item):
    first = new_item(title="Conte musical")
    response = api(world.lead).post("/api/v1/items/bulk", json={
        "ids": [first["id"]], "action": "label", "labels": ["Éveil"], "mode": "add"})
    assert response.status_code == 200, response.get_json()
    assert _titles(_search(api, world.agent, "eveil")) == ["Conte musical"]
    copy = api(world.agent).post(f"/api/v1/items/{first['id']}/duplicate")
    assert copy.status_code == 201, copy.get_json()
    assert len(_search(api, world.agent, "musical")["results"]) == 2


def _empty_database():
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "sqlite":
        db.session.execute(search_service.text("DELETE FROM search_fts"))
    db.session.commit()


def test_an_imported_export_is_searchable(api, world, new_item, runner, tmp_path):
    new_item(title=QUARTIER, labels=["Patrimoine"])
    result = runner.invoke(args=["relais", "export", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert "search_documents" not in (tmp_path / "out.json").read_text()
    _empty_database()
    result = runner.invoke(args=["relais", "import", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    coordinator = db.session.get(type(world.coordinator), world.coordinator.id)
    hits, total = search_service.search(coordinator, "patrimoine")
    assert [hit.item.title for hit in hits] == [QUARTIER] and total == 1


def test_a_purged_item_leaves_the_index(api, world, new_item, runner):
    from datetime import timedelta

    from workflow.models import Event, utcnow

    item = new_item(title=QUARTIER)
    assert api(world.agent).delete(f"/api/v1/items/{item['id']}").status_code == 200
    deleted = db.session.query(Event).filter_by(item_id=item["id"], type="item.deleted").one()
    deleted.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert runner.invoke(args=["relais", "purge"]).exit_code == 0
    assert db.session.query(search_service.SearchDocument).count() == 0
    assert _search(api, world.coordinator, "quartier", include_hidden="1")["results"] == []
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(search_service.text("SELECT count(*) FROM search_fts")).scalar() == 0


@pytest.mark.parametrize("q", ["le", "du la", "l'", "2026", "é" * 200, "日本語", "🙂 café", "x_y-z", "\\'\""])
def test_odd_queries_answer_results_not_errors(api, world, new_item, q):
    new_item(title="Le café du 12 mars 2026 : 日本語")
    body = _search(api, world.agent, q)
    assert isinstance(body["results"], list) and body["total"] == len(body["results"])


def _sign_in(client, username):
    from tests import factories as f

    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": f.PASSWORD, "csrf_token": token})


def test_the_results_page_lists_matches_highlighted_with_links_to_their_boards(client, world, new_item):
    item = new_item(title=QUARTIER, summary="<em>Ouvertes</em> le dimanche")
    _sign_in(client, "alice")
    page = client.get("/search?q=bibliotheques").get_data(as_text=True)
    assert "Les <mark>bibliothèques</mark> du quartier" in page
    assert f'href="/groups/{world.group.id}/board?item={item["id"]}"' in page
    assert "1 résultat pour « bibliotheques »" in page
    assert "<em>Ouvertes</em>" not in page
    assert 'id="search-input"' in page and "js/search.js" in page


def test_the_results_page_pages_by_fifty(client, world, new_item):
    for n in range(51):
        new_item(title=f"Atelier {n}")
    _sign_in(client, "alice")
    first = client.get("/search?q=atelier").get_data(as_text=True)
    assert first.count('class="card search-hit"') == 50 and "offset=50" in first
    second = client.get("/search?q=atelier&offset=50").get_data(as_text=True)
    assert second.count('class="card search-hit"') == 1 and "offset=0" in second


def test_the_results_page_refuses_a_bad_parameter(client, world):
    _sign_in(client, "alice")
    assert client.get("/search?q=x&limit=zero").status_code == 400


def test_the_search_box_is_only_for_signed_in_people(client, world):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="search-input"' not in page
    assert client.get("/search?q=x").status_code in (302, 401)
