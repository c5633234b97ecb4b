"""The rules of attachments that do not depend on the storage (local disk here; the
storage-dependent tests run on S3 too in test_attachments.py): what is served inline,
what the content says a file is, images cleaned, the cover, the request limit."""
import io
import os
import zipfile

from PIL import Image

from tests.integration.test_attachments import docx, png, upload
from tests.integration.test_query_counts import _api_board_queries, _fill
from workflow.extensions import db
from workflow.models import Attachment, Item, utcnow
from workflow.services import attachments as service


def jpeg_with_exif(size=(80, 40), orientation=6):
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° when shown
    exif[0x010F] = "Appareil de Chloé"  # camera make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_svg_and_html_are_refused_whatever_their_name(api, world, new_item):
    item = new_item()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    for data, name in ((svg, "logo.svg"), (svg, "logo.png"), (html, "page.html"), (html, "page.jpg")):
        answer = upload(api(world.agent), item["id"], data, name)
        assert answer.status_code == 415, (name, answer.get_json())
    assert db.session.query(Attachment).count() == 0


def test_html_named_txt_is_served_as_a_plain_text_download_never_inline(api, world, new_item):
    item = new_item()
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    body = upload(api(world.agent), item["id"], html, "notes.txt").get_json()
    assert body["content_type"] == "text/plain"
    file = api(world.agent).get(body["url"])
    assert file.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert file.headers["Content-Disposition"].startswith("attachment;")
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in file.headers["Content-Security-Policy"]


def test_only_images_are_served_inline(api, world, new_item):
    item = new_item()
    image = upload(api(world.agent), item["id"], png(), "affiche.png").get_json()
    document = upload(api(world.agent), item["id"], docx(), "programme.docx").get_json()
    assert api(world.agent).get(image["url"]).headers["Content-Disposition"].startswith("inline;")
    assert api(world.agent).get(document["url"]).headers["Content-Disposition"].startswith("attachment;")


def test_a_file_name_cannot_reach_the_headers_or_the_disk(api, world, new_item):
    item = new_item()
    body = upload(api(world.agent), item["id"], png(), "../../Affiche d’été.png").get_json()
    assert body["filename"] == "Affiche d’été.png"
    disposition = api(world.agent).get(body["url"]).headers["Content-Disposition"]
    assert disposition == ("inline; filename=\"Affiche d__t_.png\"; "
                           "filename*=UTF-8''Affiche%20d%E2%80%99%C3%A9t%C3%A9.png")
    assert service.safe_filename('C:\\Users\\x\r\nX-Evil: "1".png') == 'xX-Evil: "1".png'
    key = db.session.get(Attachment, body["id"]).storage_key
    assert key.startswith(f"items/{item['id']}/") and ".." not in key


def test_office_documents_are_recognised_from_their_structure(api, world, new_item):
    item = new_item()
    assert upload(api(world.agent), item["id"], docx(), "programme.docx").get_json()["content_type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("virus.exe", b"MZ")
    assert upload(api(world.agent), item["id"], plain_zip.getvalue(), "programme.docx").status_code == 415
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\0")
    assert upload(api(world.agent), item["id"], macro.getvalue(), "programme.docx").status_code == 415
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    assert upload(api(world.agent), item["id"], odt.getvalue(), "a.odt").get_json()["content_type"] == \
        "application/vnd.oasis.opendocument.text"


def test_jpeg_is_turned_upright_and_loses_its_metadata(api, world, new_item):
    item = new_item()
    body = upload(api(world.agent), item["id"], jpeg_with_exif(), "photo.jpg").get_json()
    assert (body["width"], body["height"]) == (40, 80)
    kept = Image.open(io.BytesIO(api(world.agent).get(body["url"]).data))
    assert kept.size == (40, 80)
    assert not kept.getexif() and "exif" not in kept.info
    thumbnail = Image.open(io.BytesIO(api(world.agent).get(body["thumbnail_url"]).data))
    assert thumbnail.size[1] > thumbnail.size[0] and not thumbnail.getexif()


def test_an_unreadable_image_is_a_422_not_a_500(api, world, new_item):
    item = new_item()
    broken = png()[:60]
    answer = upload(api(world.agent), item["id"], broken)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"


def test_upload_may_exceed_the_request_limit_but_other_routes_may_not(app, api, world, new_item):
    item = new_item()
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))  # incompressible
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 1024 * 1024
    assert upload(api(world.agent), item["id"], out.getvalue()).status_code == 201
    big_json = {"title": "x", "body": "é" * (1024 * 1024), "version": 1}
    answer = api(world.agent).patch(f"/api/v1/items/{item['id']}", json=big_json)
    assert answer.status_code == 413


def test_upload_needs_a_multipart_file_field(api, world, new_item):
    item = new_item()
    assert api(world.agent).post(f"/api/v1/items/{item['id']}/attachments", json={"file": "x"}).status_code == 422
    answer = api(world.agent).client.post(f"/api/v1/items/{item['id']}/attachments", data={"other": "x"},
                                          headers=api(world.agent).headers, content_type="multipart/form-data")
    assert answer.status_code == 422 and "file" in answer.get_json()["errors"]


def test_cover_is_chosen_and_removed_with_patch(api, world, new_item):
    item = new_item()
    first = upload(api(world.agent), item["id"], png()).get_json()
    second = upload(api(world.agent), item["id"], png(color=(0, 200, 0)), "vert.png").get_json()
    version = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["version"]
    answer = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                    json={"cover_attachment_id": second["id"], "version": version})
    assert answer.status_code == 200 and answer.get_json()["cover"]["id"] == second["id"]
    answer = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                    json={"cover_attachment_id": None, "version": answer.get_json()["version"]})
    assert answer.get_json()["cover"] is None
    assert first["id"] != second["id"]


def test_cover_must_be_an_image_of_the_same_item(api, world, new_item):
    item, other = new_item(), new_item(title="Autre")
    pdf = upload(api(world.agent), item["id"], b"%PDF-1.4\n%%EOF\n", "a.pdf").get_json()
    foreign = upload(api(world.agent), other["id"], png()).get_json()
    for attachment_id in (pdf["id"], foreign["id"], 999999):
        version = api(world.agent).get(f"/api/v1/items/{item['id']}").get_json()["version"]
        answer = api(world.agent).patch(f"/api/v1/items/{item['id']}",
                                        json={"cover_attachment_id": attachment_id, "version": version})
        assert answer.status_code == 422 and "cover_attachment_id" in answer.get_json()["errors"]


def test_agent_may_not_delete_someone_elses_attachment_but_a_lead_may(api, world, new_item):
    item = new_item(author=world.agent2)
    body = upload(api(world.agent2), item["id"], png()).get_json()
    assert api(world.agent).delete(body["url"]).status_code == 403
    assert api(world.lead).delete(body["url"]).status_code == 204


def test_trashed_item_takes_no_attachment(api, world, new_item):
    item = new_item()
    api(world.lead).delete(f"/api/v1/items/{item['id']}")
    assert upload(api(world.agent), item["id"], png()).status_code == 409


def test_board_of_1000_cards_with_covers_costs_the_same_queries_as_without(api, world):
    _fill(world, 10)
    without, _ = _api_board_queries(api, world)
    _fill(world, 990)
    items = db.session.query(Item).all()
    for n, item in enumerate(items):
        attachment = Attachment(item_id=item.id, uploader_id=world.agent.id, filename="a.png",
                                content_type="image/png", size=1, storage_key=f"k/{n}", thumbnail_key=f"t/{n}",
                                cover_key=f"c/{n}", created_at=utcnow())
        db.session.add(attachment)
        db.session.flush()
        item.cover_attachment_id = attachment.id
    db.session.commit()
    count, board = _api_board_queries(api, world)
    assert count == without
    cards = [card for column in board["columns"] for card in column["items"]]
    assert len(cards) >= 600 and all(card["cover"]["thumbnail_url"].endswith("?thumbnail=cover") for card in cards)
