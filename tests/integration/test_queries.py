"""A page's queries are built in one place and eager-load what it shows:
the number of SQL queries does not grow with the number of cards."""
from contextlib import contextmanager

from sqlalchemy import event

from workflow.extensions import db
from tests import factories as f


@contextmanager
def count_queries():
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _fill(world, count):
    labels = []
    for n in range(count):
        item = f.ItemFactory(group=world.group, author=world.agent if n % 2 else world.agent2,
                             state=("proposed", "in_review", "approved")[n % 3])
        item.assignees = [world.agent]
        labels.append(item)
    db.session.commit()


def _board_queries(api, world):
    db.session.expire_all()
    with count_queries() as statements:
        response = api(world.agent).get(f"/api/v1/groups/{world.group.id}/board")
    assert response.status_code == 200
    return len(statements), response.get_json()


def test_board_api_costs_the_same_queries_for_10_and_200_cards(api, world):
    _fill(world, 10)
    small, board = _board_queries(api, world)
    assert sum(c["count"] for c in board["columns"]) == 10
    _fill(world, 190)
    large, board = _board_queries(api, world)
    assert sum(c["count"] for c in board["columns"]) == 200
    assert large == small, f"{small} queries for 10 cards but {large} for 200"
    assert large <= 12


def test_board_page_costs_the_same_queries_for_10_and_200_cards(client, world):
    from tests.factories import PASSWORD

    _fill(world, 10)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})

    def page_queries():
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(f"/groups/{world.group.id}/board")
        assert response.status_code == 200
        return len(statements)

    small = page_queries()
    _fill(world, 190)
    assert page_queries() == small
