"""Two boards open while others change it through the API converge on the server's board
(docs/realtime.md, "The board log"): same cards, same columns, same order, and each page
holds the board's head seq — even after one page lost a board event in transit."""
import random
import threading

import pytest
import requests
from playwright.sync_api import expect

from tests import factories as f

pytestmark = pytest.mark.browser

STORM_SEED = 20240611
STORM_OPS = 40

# Page A loses board events in transit: while ``window.relaisDrop`` is above 0, the next
# Socket.IO frame carrying a board event (one with a seq, not a board.head) never reaches
# the page. Socket.IO reads WebSocket when it loads, so replacing it before any script works.
LOSSY_SOCKET = """
(() => {
  const Native = window.WebSocket;
  window.relaisDrop = 0;
  window.relaisDropped = [];
  window.WebSocket = class extends Native {
    set onmessage(handler) {
      super.onmessage = (e) => {
        const frame = typeof e.data === "string" ? e.data : "";
        if (window.relaisDrop > 0 && frame.startsWith('42["') && !frame.startsWith('42["board.head"')
            && frame.includes('"seq":')) {
          window.relaisDrop -= 1;
          window.relaisDropped.push(frame.slice(4, frame.indexOf('"', 4)));
          return;
        }
        handler(e);
      };
    }
    get onmessage() { return super.onmessage; }
  };
})();
"""

# Each column's cards, top to bottom, as the page shows them.
DOM_BOARD = """() => Object.fromEntries([...document.querySelectorAll("#board ol.cards")].map((ol) => [
  ol.dataset.state,
  [...ol.querySelectorAll(":scope > .card")].map((c) => [Number(c.dataset.id), c.dataset.rank,
    c.querySelector(".card-title").textContent, Number(c.dataset.version),
    Number(c.querySelector(".comments .n").textContent)]),
]))"""


class Api:
    """One person talking to the HTTP API with a personal token."""

    def __init__(self, base, username):
        self.base = f"{base}/api/v1"
        self.http = requests.Session()
        answer = self.http.post(f"{self.base}/tokens",
                                json={"username": username, "password": f.PASSWORD, "name": "convergence"})
        assert answer.status_code == 201, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def get(self, path):
        answer = self.http.get(f"{self.base}{path}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def send(self, method, path, body):
        answer = self.http.request(method, f"{self.base}{path}", json=body, timeout=10)
        return answer.status_code, answer.text


def server_board(api, group_id):
    board = api.get(f"/groups/{group_id}/board")
    columns = {c["state"]: [[i["id"], i["rank"], i["title"], i["version"], i["comment_count"]] for i in c["items"]]
               for c in board["columns"]}
    return columns, board["seq"]


def one_change(rng, agent, lead, group_id, n):
    """A random legal change: a reorder, a move to another column, an edit or a comment."""
    board = agent.get(f"/groups/{group_id}/board")
    cards = [(c["state"], i) for c in board["columns"] for i in c["items"]]
    state, item = rng.choice(cards)
    column = next(c["items"] for c in board["columns"] if c["state"] == state)
    path = f"/items/{item['id']}"
    kind = rng.choice(["reorder", "reorder", "move", "edit", "comment"])
    if kind == "reorder" and len(column) > 1:
        other = rng.choice([i for i in column if i["id"] != item["id"]])
        anchor = rng.choice(["before_id", "after_id"])
        return rng.choice([agent, lead]).send("POST", f"{path}/move",
                                              {"version": item["version"], anchor: other["id"]})
    if kind == "move" and state == "proposed":
        return agent.send("POST", f"{path}/move", {"version": item["version"], "state": "in_review"})
    if kind == "move" and state == "in_review":
        target = rng.choice(["proposed", "approved"])
        body = {"version": item["version"], "state": target}
        if target == "proposed":
            body["comment"] = f"À reprendre ({n})"
        return lead.send("POST", f"{path}/move", body)
    if kind == "comment" or state not in ("proposed", "in_review", "approved"):
        return rng.choice([agent, lead]).send("POST", f"{path}/comments", {"body": f"Remarque {n}"})
    return rng.choice([agent, lead]).send("PATCH", path, {"version": item["version"],
                                                          "title": f"{item['title'].split(' ·')[0]} · v{n}"})


def storm(base, group_id, halfway, failures):
    """STORM_OPS seeded random changes through the API by an agent and a lead."""
    rng = random.Random(STORM_SEED)
    agent, lead = Api(base, "anna"), Api(base, "louis")
    try:
        for n in range(STORM_OPS):
            if n == STORM_OPS // 2:
                halfway.set()
            status, text = one_change(rng, agent, lead, group_id, n)
            if status >= 300:
                failures.append((n, status, text))
    except Exception as exc:  # reported by the test, not lost in the thread
        failures.append(("crashed", repr(exc)))
    finally:
        halfway.set()


def board_log_types(api, group_id):
    """The types of the board's whole log, in seq order."""
    types, since = [], 0
    while True:
        page = api.get(f"/events?group={group_id}&since_seq={since}&limit=200")
        types += [e["type"] for e in page["events"]]
        if not page["has_more"]:
            return types
        since = page["events"][-1]["seq"]


def wait_for_seq(page, head):
    page.wait_for_function("(head) => Number(document.body.dataset.boardSeq) >= head", arg=head, timeout=15_000)
    return int(page.evaluate("() => document.body.dataset.boardSeq"))


def test_two_boards_converge_on_the_server_board_through_a_storm_and_a_lost_event(
        open_board, board_group, make_items, live_server, seed, monkeypatch, tmp_path):
    from workflow.services import items as item_service

    app, base = live_server
    # Ranks of one character wear out after a few drops into a column: the storm's
    # moves then make the server renumber columns (column.rebalanced) now and then.
    monkeypatch.setattr(item_service, "MAX_RANK_LENGTH", 1)
    make_items(board_group, [("alice", f"Ressource {n}", "proposed") for n in range(1, 7)]
               + [("chloe", f"Relecture {n}", "in_review") for n in range(1, 5)])
    alice = open_board("alice", board_group)
    alice.context.add_init_script(LOSSY_SOCKET)
    alice.reload()
    expect(alice.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    chloe = open_board("chloe", board_group, width=390, height=844)

    halfway, failures = threading.Event(), []
    worker = threading.Thread(target=storm, args=(base, board_group, halfway, failures), daemon=True)
    worker.start()
    assert halfway.wait(timeout=60)
    alice.evaluate("() => { window.relaisDrop = 1; }")  # a gap in the middle of the storm
    worker.join(timeout=120)
    assert not worker.is_alive(), "the API changes did not finish"
    assert not failures, failures

    # The very last event lost: no later event shows the gap, only the heartbeat can.
    reader = Api(base, "anna")
    wait_for_seq(alice, server_board(reader, board_group)[1])  # no resync under way
    alice.evaluate("() => { window.relaisDrop = 1; }")
    item_id = next(i["id"] for c in reader.get(f"/groups/{board_group}/board")["columns"] for i in c["items"])
    status, text = reader.send("POST", f"/items/{item_id}/comments", {"body": "Le dernier mot"})
    assert status == 201, text
    expected, head = server_board(reader, board_group)
    assert head >= STORM_OPS
    assert wait_for_seq(chloe, head) == head
    assert alice.evaluate("() => Number(document.body.dataset.boardSeq)") < head
    # The test server's relay has no poll loop (BOARD_POLL_INTERVAL = 0): beat once by hand.
    seed(lambda: app.extensions["relais_relay"].poll_once(heartbeat=True))
    assert wait_for_seq(alice, head) == head
    assert alice.evaluate("() => window.relaisDropped.length") == 2  # both losses really happened
    assert alice.evaluate(DOM_BOARD) == expected
    assert chloe.evaluate(DOM_BOARD) == expected
    assert "column.rebalanced" in board_log_types(reader, board_group)

    alice.screenshot(path=str(tmp_path / "board-desktop.png"))
    chloe.screenshot(path=str(tmp_path / "board-phone.png"))
    chloe.screenshot(path=str(tmp_path / "board-phone-full.png"), full_page=True)


def test_a_board_offline_while_a_trashed_item_was_purged_catches_up_past_the_hole(
        open_board, board_group, make_items, live_server, seed):
    from datetime import timedelta

    from workflow.models import utcnow
    from workflow.services import backup

    _, base = live_server
    trashed, kept, other = make_items(board_group, [("alice", f"Carte {n}", "proposed") for n in (1, 2, 3)])
    alice = open_board("alice", board_group)
    api = Api(base, "alice")
    _, seen = server_board(api, board_group)
    alice.context.set_offline(True)
    expect(alice.locator("#connection")).to_have_attribute("data-status", "offline")

    assert api.send("DELETE", f"/items/{trashed}", None)[0] == 200
    version = api.get(f"/items/{kept}")["version"]
    assert api.send("POST", f"/items/{kept}/move", {"version": version, "after_id": other})[0] == 200
    # A month later the trash is emptied: the trashed item's events leave the log with it.
    seed(lambda: backup.purge_trash(now=utcnow() + timedelta(days=backup.TRASH_DAYS + 1)))
    log = api.get(f"/events?group={board_group}&since_seq={seen}")
    assert [e["seq"] for e in log["events"]] == [seen + 2, seen + 3]  # seen + 1 is gone for good

    alice.context.set_offline(False)
    expected, head = server_board(api, board_group)
    assert wait_for_seq(alice, head) == head
    assert alice.evaluate(DOM_BOARD) == expected
