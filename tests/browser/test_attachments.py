"""Attachments from the panel, as people use them: Alice drops a poster onto the panel of
her card — its thumbnail shows in the panel, and the card's cover on Chloé's open board
within a second; a program renamed .png and a file over the limit are refused with a
sentence she can read; the button and a paste add files too."""
import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser


def png_bytes(color=(220, 60, 40), size=(400, 300)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def file_event(page, kind, name, data, mime="image/png"):
    """Drop (``kind="drop"``) or paste (``"paste"``) a file onto the open panel."""
    page.evaluate("""([kind, name, b64, mime]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        const panel = document.getElementById("panel");
        const target = document.getElementById("attachments-list");
        if (kind === "paste") {
            target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
            return;
        }
        target.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", [kind, name, base64.b64encode(data).decode(), mime])


@pytest.fixture
def item_id(make_items, board_group):
    return make_items(board_group, [("alice", "Affiche du festival", "proposed")])[0]


def test_dropped_image_shows_in_the_panel_and_as_cover_on_another_board(open_board, board_group, item_id):
    alice = open_board("alice", board_group, query=f"?item={item_id}")
    chloe = open_board("chloe", board_group)
    expect(alice.locator("#panel-title")).to_have_text("Affiche du festival")
    expect(alice.locator("#attachments-list")).to_contain_text("Aucune pièce jointe")
    expect(chloe.locator(f"#card-{item_id} img.cover")).to_be_hidden()
    file_event(alice, "drop", "affiche.png", png_bytes())
    expect(alice.locator("#attachments-list img.attachment-thumb")).to_be_visible()
    expect(alice.locator("#attachments-list")).to_contain_text("Couverture")
    cover = chloe.locator(f"#card-{item_id} img.cover")
    expect(cover).to_be_visible(timeout=1000)
    # A function, not an expression: the page's CSP forbids eval.
    chloe.wait_for_function("id => document.querySelector(`#card-${id} img.cover`)?.naturalWidth > 0", arg=item_id)
    expect(alice.locator(f"#card-{item_id} img.cover")).to_be_visible()
    alice.locator("#attachments-title").scroll_into_view_if_needed()
    shot(alice, "attachments-panel")
    shot(chloe, "attachments-cover-on-board")


def test_program_renamed_png_is_refused_with_a_readable_message(open_board, board_group, item_id):
    alice = open_board("alice", board_group, query=f"?item={item_id}")
    expect(alice.locator("#panel-title")).to_have_text("Affiche du festival")
    file_event(alice, "drop", "photo.png", EXE)
    error = alice.locator("#attach-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Ce type de fichier n’est pas accepté")
    expect(error).to_contain_text("PNG, JPEG")
    expect(alice.locator("#attachments-list img")).to_have_count(0)


def test_file_over_the_limit_is_refused_with_the_limit_named(open_board, board_group, item_id, live_server):
    app, _ = live_server
    before = app.config["MAX_ATTACHMENT_BYTES"]
    app.config["MAX_ATTACHMENT_BYTES"] = 1024 * 1024
    try:
        alice = open_board("alice", board_group, query=f"?item={item_id}")
        expect(alice.locator("#panel-title")).to_have_text("Affiche du festival")
        expect(alice.locator(".attach-hint")).to_contain_text("1 Mio")
        file_event(alice, "drop", "enorme.png", png_bytes() + b"\0" * (1024 * 1024 + 10))
        error = alice.locator("#attach-error")
        expect(error).to_contain_text("dépasse la limite de 1 Mio par pièce jointe")
        # The server says the same to a page that does not check first.
        alice.evaluate("window.relaisBoard.config.max_attachment_bytes = 0")
        file_event(alice, "drop", "enorme.png", png_bytes() + b"\0" * (1024 * 1024 + 10))
        expect(error).to_contain_text("Ce fichier dépasse la limite de 1 Mio par pièce jointe")
        expect(alice.locator("#attachments-list img")).to_have_count(0)
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = before


def test_button_and_paste_add_files_and_the_cover_can_change(open_board, board_group, item_id):
    alice = open_board("alice", board_group, width=390, height=844, query=f"?item={item_id}")
    expect(alice.locator("#panel-title")).to_have_text("Affiche du festival")
    alice.locator("#attach-input").set_input_files(
        files=[{"name": "programme.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    expect(alice.locator("#attachments-list")).to_contain_text("programme.pdf")
    file_event(alice, "paste", "image.png", png_bytes(color=(30, 90, 200)))
    expect(alice.locator("#attachments-list img.attachment-thumb")).to_have_count(1)
    file_event(alice, "drop", "seconde.png", png_bytes(color=(30, 160, 60)))
    expect(alice.locator("#attachments-list img.attachment-thumb")).to_have_count(2)
    second = alice.locator(".attachment", has_text="seconde.png")
    second.get_by_role("button", name="Utiliser comme couverture").click()
    expect(second).to_have_class("attachment is-cover")
    expect(alice.locator(f"#card-{item_id} img.cover")).to_have_attribute(
        "src", f"/api/v1/attachments/{second.get_attribute('data-id')}?thumbnail=cover")
    alice.locator("#attachments-title").scroll_into_view_if_needed()
    shot(alice, "attachments-panel-phone")
    alice.locator(".attachment", has_text="programme.pdf").get_by_role("button", name="Supprimer « programme.pdf »").click()
    expect(alice.locator("#attachments-list")).not_to_contain_text("programme.pdf")
