"""Attachments and covers, the same tests on the local disk and on S3 (a real SeaweedFS
server started by tests/seaweed.py): upload, download, delete, refusals that leave
nothing stored, who may fetch a file, how files are served, the cover on the board."""
import io
import zipfile

import pytest
from PIL import Image

from tests.conftest import create_schema, make_app
from tests.seaweed import seaweed  # noqa: F401  (the session's S3 server)
from workflow.extensions import db
from workflow.models import Attachment, Item
from workflow.services import attachments as service
from workflow.services.storage import LocalStorage, StorageUnavailable, get_storage

LIMIT = 3 * 1024 * 1024


def png(size=(64, 48), color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def fake_exe():
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"


def docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture(params=["local", "s3"])
def storage_kind(request):
    return request.param


@pytest.fixture
def app(request, tmp_path, storage_kind):
    overrides = {"MAX_ATTACHMENT_BYTES": LIMIT}
    if storage_kind == "s3":
        server = request.getfixturevalue("seaweed")
        overrides.update(server.config(server.new_bucket()))
    app = make_app(tmp_path, **overrides)
    with app.app_context():
        create_schema()
        yield app
        db.session.remove()
        db.engine.dispose()


def stored_keys():
    """Every key the app's storage holds."""
    storage = get_storage()
    if isinstance(storage, LocalStorage):
        if not storage.root.exists():
            return []
        return sorted(str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file())
    answer = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(o["Key"] for o in answer.get("Contents", []))


def upload(client_api, item_id, data, name="affiche.png", **headers):
    return client_api.client.post(f"/api/v1/items/{item_id}/attachments", data={"file": (io.BytesIO(data), name)},
                                  headers={**client_api.headers, **headers}, content_type="multipart/form-data")


def test_uploaded_image_is_listed_downloaded_and_deleted(api, world, new_item):
    item = new_item()
    answer = upload(api(world.agent), item["id"], png())
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["filename"] == "affiche.png" and body["content_type"] == "image/png"
    assert body["url"] == f"/api/v1/attachments/{body['id']}"
    assert body["thumbnail_url"] == f"/api/v1/attachments/{body['id']}?thumbnail=1"
    assert body["uploader"]["username"] == "alice" and body["size"] > 0 and body["created_at"]
    listed = api(world.lead).get(f"/api/v1/items/{item['id']}/attachments").get_json()
    assert [a["id"] for a in listed] == [body["id"]]
    file = api(world.lead).get(body["url"])
    assert file.status_code == 200 and file.mimetype == "image/png"
    assert Image.open(io.BytesIO(file.data)).size == (64, 48)
    thumb = api(world.lead).get(body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert len(stored_keys()) == 3  # the file, its thumbnail, its cover crop
    assert api(world.agent).delete(body["url"]).status_code == 204
    assert api(world.lead).get(body["url"]).status_code == 404
    assert api(world.lead).get(f"/api/v1/items/{item['id']}/attachments").get_json() == []
    assert stored_keys() == []


def test_pdf_is_kept_as_sent_and_served_as_a_download(api, world, new_item):
    item = new_item()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    body = upload(api(world.agent), item["id"], pdf, "programme.pdf").get_json()
    assert body["content_type"] == "application/pdf" and body["thumbnail_url"] is None
    file = api(world.agent).get(body["url"])
    assert file.data == pdf
    assert file.headers["Content-Disposition"].startswith("attachment;")
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert file.headers["Cache-Control"].startswith("private")
    assert stored_keys() == [k for k in stored_keys() if k.endswith("/original")] and len(stored_keys()) == 1


def test_exe_renamed_png_is_refused_naming_the_type_and_nothing_is_stored(api, world, new_item):
    item = new_item()
    answer = upload(api(world.agent), item["id"], fake_exe(), "photo.png", **{"Accept-Language": "fr"})
    assert answer.status_code == 415
    assert answer.mimetype == "application/problem+json"
    assert "n’est pas accepté" in answer.get_json()["detail"] or "pas accepté" in answer.get_json()["detail"]
    assert "PNG" in answer.get_json()["detail"]
    assert db.session.query(Attachment).count() == 0 and stored_keys() == []


def test_file_over_the_limit_gets_a_413_naming_the_limit_and_nothing_is_stored(api, world, new_item):
    item = new_item()
    big = png() + b"\0" * LIMIT
    answer = upload(api(world.agent), item["id"], big, **{"Accept-Language": "fr"})
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert "3 Mio" in answer.get_json()["detail"], answer.get_json()
    assert db.session.query(Attachment).count() == 0 and stored_keys() == []


def test_member_of_another_group_gets_404_for_the_file_its_list_and_its_deletion(api, world, new_item):
    item = new_item()
    body = upload(api(world.agent), item["id"], png()).get_json()
    for path in (body["url"], body["thumbnail_url"], f"/api/v1/items/{item['id']}/attachments"):
        assert api(world.other_agent).get(path).status_code == 404
    assert api(world.other_lead).delete(body["url"]).status_code == 404
    assert upload(api(world.other_agent), item["id"], png()).status_code == 404
    assert api(None).get(body["url"]).status_code == 401
    assert db.session.query(Attachment).count() == 1


def test_a_row_that_fails_leaves_no_file(app, world, new_item, monkeypatch):
    item = new_item()

    def broken(attachment):
        raise RuntimeError("the row's transaction fails")

    monkeypatch.setattr(service, "dump_attachment", broken)
    with pytest.raises(RuntimeError):
        service.upload_attachment(world.agent, item["id"], "affiche.png", png(), LIMIT)
    db.session.rollback()
    assert db.session.query(Attachment).count() == 0 and stored_keys() == []


def test_a_storage_that_fails_leaves_no_row_and_no_file(api, world, new_item, monkeypatch):
    item = new_item()
    storage = get_storage()
    real_put, calls = storage.put, []

    def failing_put(key, data, content_type):
        calls.append(key)
        if len(calls) == 2:
            raise StorageUnavailable("The file storage cannot be reached; try again later.")
        real_put(key, data, content_type)

    monkeypatch.setattr(storage, "put", failing_put)
    answer = upload(api(world.agent), item["id"], png())
    assert answer.status_code == 503 and answer.mimetype == "application/problem+json"
    assert db.session.query(Attachment).count() == 0 and stored_keys() == []


def test_first_image_becomes_the_cover_shown_on_the_board_and_announced(api, world, new_item, published):
    item = new_item()
    body = upload(api(world.agent), item["id"], png()).get_json()
    cover = {"id": body["id"], "thumbnail_url": f"/api/v1/attachments/{body['id']}?thumbnail=cover"}
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["cover"] == cover
    board = api(world.lead).get(f"/api/v1/groups/{world.group.id}/board").get_json()
    card = next(c for col in board["columns"] for c in col["items"] if c["id"] == item["id"])
    assert card["cover"] == cover
    event = [e for e in published if e["type"] == "attachment.created"][-1]
    assert event["payload"]["item"]["cover"] == cover and event["payload"]["attachment"]["id"] == body["id"]
    crop = api(world.lead).get(cover["thumbnail_url"])
    assert crop.status_code == 200 and Image.open(io.BytesIO(crop.data)).size == service.COVER_SIZE
    second = upload(api(world.agent), item["id"], png(color=(0, 0, 200)), "autre.png").get_json()
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["cover"]["id"] == body["id"]
    assert second["id"] != body["id"]


def test_deleting_the_cover_leaves_the_card_without_one(api, world, new_item, published):
    item = new_item()
    body = upload(api(world.agent), item["id"], png()).get_json()
    assert api(world.lead).delete(body["url"]).status_code == 204
    assert api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["cover"] is None
    event = [e for e in published if e["type"] == "attachment.deleted"][-1]
    assert event["payload"]["item"]["cover"] is None and event["payload"]["attachment_id"] == body["id"]


def test_purging_the_trash_deletes_the_files(app, api, world, new_item):
    from datetime import timedelta

    from workflow.models import Event, utcnow
    from workflow.services.backup import purge_trash

    item = new_item()
    upload(api(world.agent), item["id"], png())
    assert api(world.lead).delete(f"/api/v1/items/{item['id']}").status_code == 200
    db.session.query(Event).filter_by(item_id=item["id"], type="item.deleted").update(
        {"created_at": utcnow() - timedelta(days=40)})
    db.session.commit()
    assert purge_trash() == 1
    assert db.session.get(Item, item["id"]) is None
    assert db.session.query(Attachment).count() == 0 and stored_keys() == []


def test_export_then_import_carries_the_attachments_and_their_files(app, api, world, new_item, runner, tmp_path):
    item = new_item()
    body = upload(api(world.agent), item["id"], png()).get_json()
    original = api(world.agent).get(body["url"]).data
    path = tmp_path / "export.json"
    assert runner.invoke(args=["relais", "export", str(path), "--with-passwords"]).exit_code == 0
    storage = get_storage()
    for key in stored_keys():
        storage.delete(key)
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    result = runner.invoke(args=["relais", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert len(stored_keys()) == 3
    assert api(world.lead).get(body["url"]).data == original
    assert api(world.lead).get(f"/api/v1/items/{item['id']}").get_json()["cover"]["id"] == body["id"]
