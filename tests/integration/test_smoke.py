def test_agent_proposes_item_and_sees_it_on_the_board(api, world, new_item, published):
    item = new_item(title="Apprendre l'espagnol", resource_type="self_training", labels=["langues"])
    assert item["state"] == "proposed" and item["version"] == 1 and [lb["name"] for lb in item["labels"]] == ["langues"]
    board = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    assert [c["state"] for c in board["columns"]] == ["proposed", "in_review", "approved", "scheduled", "published"]
    assert [i["id"] for i in board["columns"][0]["items"]] == [item["id"]]
    assert [e["type"] for e in published] == ["item.created"]
