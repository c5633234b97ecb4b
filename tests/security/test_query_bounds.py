"""Every numeric query parameter of the API is bounded: a value past what the
database holds is a 422 naming the parameter, never a 500; and a database that
goes away in the middle of a request is a 503, never an HTML 500."""
import pytest
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError

TOO_BIG = str(2**63)


@pytest.mark.parametrize("query, name", [
    ("since=1e22", "since"), (f"since={TOO_BIG}", "since"), ("since=-1", "since"),
    (f"group={TOO_BIG}", "group"), ("group=0", "group"),
    ("limit=1001", "limit"), ("limit=0", "limit"), (f"limit={TOO_BIG}", "limit"),
])
def test_events_query_out_of_range_is_a_422_naming_the_parameter(api, world, query, name):
    response = api(world.agent).get(f"/api/v1/events?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert name in response.get_json()["errors"]


def test_events_query_at_the_largest_id_is_fine(api, world):
    response = api(world.agent).get(f"/api/v1/events?since={2**63 - 1}")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/calendar?from=2026-01-01&to=2026-02-01&group={n}",
                                  "/api/v1/calendar/unscheduled?group={n}"])
def test_calendar_group_out_of_range_is_a_422(api, world, path):
    response = api(world.coordinator).get(path.format(n=TOO_BIG))
    assert response.status_code == 422
    assert "group" in response.get_json()["errors"]


@pytest.mark.parametrize("query, name", [(f"before={TOO_BIG}", "before"), ("before=-1", "before"), ("before=abc", "before"),
                                         (f"limit={TOO_BIG}", "limit"), ("limit=1e22", "limit"),
                                         ("limit=0", "limit"), ("limit=201", "limit")])
def test_notifications_query_out_of_range_is_a_422(api, world, query, name):
    response = api(world.agent).get(f"/api/v1/notifications?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert name in response.get_json()["errors"]


def test_notifications_query_in_range_still_works(api, world):
    response = api(world.agent).get("/api/v1/notifications?limit=200&before=12&unread=1")
    assert response.status_code == 200


def test_every_integer_query_field_has_a_range():
    from marshmallow import fields, validate

    from workflow.schemas import calendar, inputs

    schemas = [obj for mod in (inputs, calendar) for name, obj in vars(mod).items()
               if name.endswith("QueryIn")]
    assert schemas
    for schema in schemas:
        for name, field in schema().fields.items():
            if isinstance(field, fields.Integer):
                ranges = [v for v in field.validators if isinstance(v, validate.Range)]
                assert ranges and ranges[0].min is not None and ranges[0].max is not None, f"{schema.__name__}.{name}"
                assert ranges[0].min >= 0 and ranges[0].max < 2**63, f"{schema.__name__}.{name}"


def _orig():
    return Exception("server closed the connection unexpectedly")


@pytest.mark.parametrize("error", [
    InterfaceError("SELECT 1", {}, _orig()),
    PendingRollbackError("Can't reconnect until invalid transaction is rolled back."),
    OperationalError("SELECT 1", {}, _orig()),
])
def test_database_lost_in_flight_is_a_503_problem(api, world, monkeypatch, error):
    from workflow.services import queries

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(queries, "events_since", fail)
    response = api(world.agent).get("/api/v1/events")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]


def test_database_lost_in_flight_is_a_503_page_for_a_browser(client, world, monkeypatch):
    from workflow.services import queries

    def fail(*args, **kwargs):
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back.")

    with client.session_transaction() as session:
        session["_user_id"] = world.agent.get_id()
    monkeypatch.setattr(queries, "board", fail)
    response = client.get(f"/groups/{world.group.id}/board", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"


def test_psycopg_connection_error_surfacing_through_sqlalchemy_is_a_503(api, world, monkeypatch):
    import psycopg
    from sqlalchemy.exc import DBAPIError

    from workflow.services import queries

    def fail(*args, **kwargs):
        raise DBAPIError.instance("SELECT 1", {}, psycopg.InterfaceError("the connection is closed"),
                                  psycopg.Error)

    monkeypatch.setattr(queries, "events_since", fail)
    response = api(world.agent).get("/api/v1/events")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
