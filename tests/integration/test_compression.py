"""Bytes on the wire: the board's JSON and page come compressed (brotli or gzip,
as the client accepts) and decode to the same content; an unchanged board is still
a 304; small answers and attachment downloads are sent as they are."""
import gzip
import io
import re

import brotli
import pytest

from .. import factories as f


@pytest.fixture
def full_board(api, world, new_item):
    for n in range(12):
        new_item(title=f"Cycle cinéma japonais, séance {n}", summary="Projection et débat " * 5)
    return f"/api/v1/groups/{world.group.id}/board"


DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_board_json_comes_compressed_and_decodes_to_the_same_board(api, world, full_board, coding):
    plain = api(world.lead).get(full_board)
    packed = api(world.lead).get(full_board, headers={"Accept-Encoding": coding})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    assert DECODE[coding](packed.data) == plain.data


def test_brotli_is_preferred_when_the_client_accepts_both(api, world, full_board):
    packed = api(world.lead).get(full_board, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "br"


def test_unchanged_compressed_board_is_a_304_and_a_change_is_not(api, world, full_board, new_item):
    headers = {"Accept-Encoding": "br, gzip"}
    first = api(world.lead).get(full_board, headers=headers)
    assert first.headers["Content-Encoding"] == "br"
    etag = first.headers["ETag"]
    again = api(world.lead).get(full_board, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    new_item(title="Une carte de plus")
    changed = api(world.lead).get(full_board, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_compressed_item_keeps_its_version_for_if_match(api, world, new_item):
    item = new_item(body="Un long texte de présentation. " * 40)
    read = api(world.agent).get(f"/api/v1/items/{item['id']}", headers={"Accept-Encoding": "gzip"})
    assert read.headers["Content-Encoding"] == "gzip"
    edited = api(world.agent).patch(f"/api/v1/items/{item['id']}", json={"title": "Nouveau titre"},
                                    headers={"If-Match": read.headers["ETag"]})
    assert edited.status_code == 200, edited.get_json()


def test_small_answers_are_not_compressed(api, world):
    answer = api(world.agent).get("/api/v1/me", headers={"Accept-Encoding": "br, gzip"})
    assert len(answer.data) < 500 and "Content-Encoding" not in answer.headers


def test_an_answer_that_fits_in_one_packet_is_sent_as_it_is(api, world, new_item):
    # A plain item (some 650 bytes) and its headers fit in one TCP segment: brotli would save no packet.
    item = new_item(summary="Projection et débat")
    answer = api(world.agent).get(f"/api/v1/items/{item['id']}", headers={"Accept-Encoding": "br, gzip"})
    assert 500 < len(answer.data) < 1000 and "Content-Encoding" not in answer.headers
    assert answer.headers["ETag"] == f'"{item["version"]}"'  # strong: the bytes are the plain ones


def login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": f.PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_board_page_comes_compressed_and_decodes_to_the_same_page(client, world, full_board, coding):
    login(client, world.lead.username)
    page = f"/groups/{world.group.id}/board"
    packed = client.get(page, headers={"Accept-Encoding": coding})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == coding
    html = DECODE[coding](packed.data).decode()
    assert "séance 11" in html and html.rstrip().endswith("</html>")


def test_attachment_download_is_sent_as_stored(api, world, new_item):
    item = new_item()
    text = ("Programme de la séance, ligne après ligne.\n" * 100).encode()
    upload = api(world.agent).client.post(
        f"/api/v1/items/{item['id']}/attachments", data={"file": (io.BytesIO(text), "programme.txt")},
        headers=api(world.agent).headers, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    download = api(world.agent).get(upload.get_json()["url"], headers={"Accept-Encoding": "br, gzip"})
    assert download.status_code == 200 and "Content-Encoding" not in download.headers
    assert int(download.headers["Content-Length"]) == len(text) and download.data == text


def test_static_script_comes_compressed(client):
    answer = client.get("/static/js/board.js", headers={"Accept-Encoding": "br"})
    plain = client.get("/static/js/board.js")
    assert answer.headers["Content-Encoding"] == "br"
    assert brotli.decompress(answer.data) == plain.data
