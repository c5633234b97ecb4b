"""Backup and restore: export, import into an empty database, purge the trash."""
import json
from datetime import timedelta

import pytest

from tests.conftest import make_app
from workflow.extensions import db
from workflow.models import Comment, Event, Item, User, utcnow

from .pg import scratch_database


def _export(runner, path, *extra):
    result = runner.invoke(args=["relais", "export", str(path), *extra])
    assert result.exit_code == 0, result.output
    return path.read_text()


@pytest.mark.postgres
def test_demo_exported_from_sqlite_imports_into_postgresql_and_exports_the_same(tmp_path):
    sqlite_app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    with sqlite_app.app_context():
        db.create_all()
        from workflow.demo import load_demo

        load_demo()
        first = _export(sqlite_app.test_cli_runner(), tmp_path / "first.json", "--with-passwords")
        db.session.remove()
        db.engine.dispose()
    with scratch_database() as (url, _name, _admin):
        pg_app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with pg_app.app_context():
            db.create_all()
            runner = pg_app.test_cli_runner()
            result = runner.invoke(args=["relais", "import", str(tmp_path / "first.json")])
            assert result.exit_code == 0, result.output
            second = _export(runner, tmp_path / "second.json", "--with-passwords")
            # Sequences moved past the restored ids: a new row gets a fresh id.
            user = User(username="nouvelle", display_name="Nouvelle", email="n@relais.invalid", password_hash="x")
            db.session.add(user)
            db.session.commit()
            assert user.id > max(row[0] for row in json.loads(first)["tables"]["users"]["rows"])
            db.session.remove()
            db.engine.dispose()
    assert json.loads(first)["tables"]["items"]["rows"], "the demo has items"
    assert second == first


def test_export_leaves_password_hashes_out_unless_asked(runner, world, tmp_path):
    data = json.loads(_export(runner, tmp_path / "out.json"))
    assert "password_hash" not in data["tables"]["users"]["columns"]
    assert "api_tokens" not in data["tables"]
    data = json.loads(_export(runner, tmp_path / "full.json", "--with-passwords"))
    assert "password_hash" in data["tables"]["users"]["columns"]


def test_import_refuses_a_database_that_has_data(runner, world, tmp_path):
    _export(runner, tmp_path / "out.json")
    result = runner.invoke(args=["relais", "import", str(tmp_path / "out.json")])
    assert result.exit_code != 0 and "not empty" in result.output
    assert db.session.query(User).count() == 9


def test_import_without_passwords_restores_accounts_that_cannot_sign_in(runner, world, tmp_path):
    _export(runner, tmp_path / "out.json")
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    result = runner.invoke(args=["relais", "import", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    from workflow.services.accounts import authenticate
    from tests import factories as f

    assert db.session.query(User).count() == 9
    assert authenticate("alice", f.PASSWORD) is None


def test_purge_removes_items_trashed_over_30_days_ago_with_what_hangs_off_them(runner, api, world, new_item):
    old = new_item(title="Ancienne")
    recent = new_item(title="Récente")
    kept = new_item(title="Gardée")
    api(world.agent).post(f"/api/v1/items/{old['id']}/comments", json={"body": "Un avis"})
    for item in (old, recent):
        assert api(world.agent).delete(f"/api/v1/items/{item['id']}").status_code == 200
    deleted = db.session.query(Event).filter_by(item_id=old["id"], type="item.deleted").one()
    deleted.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    result = runner.invoke(args=["relais", "purge"])
    assert result.exit_code == 0 and "Purged 1" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(Item, old["id"]) is None
    assert db.session.query(Comment).filter_by(item_id=old["id"]).count() == 0
    assert db.session.query(Event).filter_by(item_id=old["id"]).count() == 0
    assert db.session.get(Item, recent["id"]).deleted is True
    assert db.session.get(Item, kept["id"]) is not None
    purged = db.session.query(Event).filter_by(type="item.purged").one()
    assert purged.payload["item_id"] == old["id"]


def test_export_then_import_carries_labels_with_their_colours_and_due_dates(runner, api, world, new_item, tmp_path):
    from workflow.models import Label

    item = new_item(labels=["cinéma", "japon"], due_at="2026-12-20T17:00:00+01:00")
    api(world.lead).patch(f"/api/v1/labels/{item['labels'][1]['id']}", json={"color": "pink"})
    _export(runner, tmp_path / "out.json")
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    result = runner.invoke(args=["relais", "import", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    restored = db.session.get(Item, item["id"])
    assert [(lb.name, lb.color) for lb in restored.labels] == [("cinéma", "green"), ("japon", "pink")]
    assert restored.due_at.isoformat() == "2026-12-20T16:00:00+00:00"
    assert db.session.query(Label).count() == 2
