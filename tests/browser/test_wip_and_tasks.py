"""WIP limits and per-card task lists on the board, as people use them: Chloé (a lead) sets
the limit of a column from its header, and Alice's open board shows the new "2 / 1" and the
over-limit badge at once; a card moved into a full column stays there with a warning; Alice
ticks tasks in her card's panel (mouse and keyboard) and Chloé's board shows "2/3" on the card."""
import pytest
from playwright.sync_api import expect

from .conftest import axe_board, shot

pytestmark = pytest.mark.browser


def column(page, state):
    return page.locator(f'.column[data-state="{state}"]')


def test_lead_sets_a_wip_limit_and_another_open_board_shows_it_over_the_limit(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Affiche", "proposed"), ("anna", "Newsletter", "proposed")])
    chloe = open_board("chloe", board_group)
    alice = open_board("alice", board_group)
    expect(column(alice, "proposed").locator(".count")).to_have_text("2")
    expect(alice.locator(".wip-edit")).to_have_count(0)  # an agent sees the count, not the control
    button = column(chloe, "proposed").get_by_role("button", name="Fixer la limite de « Proposé »")
    expect(button).to_have_text("Limite")
    button.click()
    field = chloe.get_by_label("Nombre maximal de cartes dans « Proposé »")
    expect(field).to_be_focused()
    field.fill("0")
    field.press("Enter")
    expect(column(chloe, "proposed").locator(".wip-error")).to_contain_text("de 1 à 999")
    field.fill("1")
    field.press("Enter")
    expect(column(chloe, "proposed").locator(".count")).to_have_text("2 / 1")
    expect(button).to_be_focused()
    # Alice's board follows live: the limit, the badge, and words saying it, not colour alone.
    expect(column(alice, "proposed").locator(".count")).to_have_text("2 / 1", timeout=2000)
    expect(column(alice, "proposed")).to_have_class("column over-limit")
    expect(column(alice, "proposed").locator(".over-limit-note")).to_have_text("Limite dépassée")
    expect(column(alice, "proposed").locator(".over-limit-note")).to_be_visible()
    shot(chloe, "wip-limit-set-by-lead")
    shot(alice, "wip-limit-over-on-another-board")
    # Removing it clears the mark everywhere.
    button.click()
    column(chloe, "proposed").get_by_role("button", name="Sans limite").click()
    expect(column(alice, "proposed").locator(".count")).to_have_text("2", timeout=2000)
    expect(column(alice, "proposed")).not_to_have_class("column over-limit")


def test_lead_sets_a_wip_limit_on_a_phone(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Affiche", "in_review"), ("anna", "Newsletter", "in_review"),
                             ("alice", "Podcast", "in_review")])
    chloe = open_board("chloe", board_group, width=390, height=844)
    review = column(chloe, "in_review")
    review.scroll_into_view_if_needed()
    expect(review).to_have_class("column over-limit")  # the group's limit of 2, with 3 cards
    review.get_by_role("button", name="Fixer la limite de « En relecture »").click()
    shot(chloe, "wip-limit-form-phone")
    field = chloe.get_by_label("Nombre maximal de cartes dans « En relecture »")
    field.fill("5")
    review.get_by_role("button", name="Enregistrer").click()
    expect(review.locator(".count")).to_have_text("3 / 5")
    expect(review).not_to_have_class("column over-limit")
    shot(chloe, "wip-limit-phone")


def test_a_move_into_a_full_column_is_kept_with_a_warning(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Affiche", "in_review"), ("anna", "Newsletter", "in_review"),
                             ("alice", "Podcast", "proposed")])
    alice = open_board("alice", board_group)
    column(alice, "proposed").locator(".card", has_text="Podcast").locator(".card-move").click()
    alice.locator('#move-targets input[value="in_review"]').check()
    alice.locator("#move-dialog button[type=submit]").click()
    expect(column(alice, "in_review").locator(".card-title", has_text="Podcast")).to_be_visible()
    expect(alice.locator("#toast")).to_be_visible()
    expect(alice.locator("#toast-text")).to_contain_text("« En relecture » dépasse sa limite : 3 cartes pour 2")
    expect(column(alice, "in_review").locator(".count")).to_have_text("3 / 2")
    shot(alice, "wip-limit-move-warning")


def test_agent_ticks_tasks_in_the_panel_and_another_board_shows_the_progress(open_board, board_group, make_items,
                                                                             seed):
    item_id = make_items(board_group, [("alice", "Affiche du festival", "proposed")])[0]

    def tasks():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services.tasks import add_task

        alice = db.session.query(User).filter_by(username="alice").one()
        add_task(alice, item_id, "Écrire le texte")
        add_task(alice, item_id, "Trouver une image")

    seed(tasks)
    chloe = open_board("chloe", board_group)
    expect(chloe.locator(f"#card-{item_id} .tasks")).to_have_text("☑ 0/2")
    alice = open_board("alice", board_group, query=f"?item={item_id}")
    expect(alice.locator("#panel-title")).to_have_text("Affiche du festival")
    tasks_list = alice.locator("#task-list")
    expect(tasks_list.locator(".task")).to_have_count(2)
    # Add one from the keyboard: type, Enter.
    alice.get_by_placeholder("Ajouter une tâche…").fill("Relire l'orthographe")
    alice.keyboard.press("Enter")
    expect(tasks_list.locator(".task")).to_have_count(3)
    expect(chloe.locator(f"#card-{item_id} .tasks")).to_have_text("☑ 0/3", timeout=2000)
    # Tick one with the mouse, one with the keyboard (Space on the checkbox).
    alice.get_by_role("checkbox", name="Écrire le texte").check()
    expect(tasks_list.locator(".task.done")).to_have_count(1)
    alice.get_by_role("checkbox", name="Trouver une image").focus()
    alice.keyboard.press("Space")
    expect(tasks_list.locator(".task.done")).to_have_count(2)
    expect(alice.locator("#tasks-progress")).to_have_text("2/3")
    expect(tasks_list).to_contain_text("faite par Alice")
    expect(chloe.locator(f"#card-{item_id} .tasks")).to_have_text("☑ 2/3", timeout=2000)
    expect(chloe.locator(f"#card-{item_id} .tasks")).to_have_attribute("aria-label", "Tâches faites : 2 sur 3")
    # Rename from the keyboard, then delete: both live on the other board.
    tasks_list.get_by_role("button", name="Renommer « Relire l'orthographe »").click()
    rename = tasks_list.get_by_label("Nouveau texte de la tâche")
    expect(rename).to_be_focused()
    rename.fill("Relire l'orthographe et les dates")
    rename.press("Enter")
    expect(tasks_list).to_contain_text("Relire l'orthographe et les dates")
    alice.locator("#tasks-title").scroll_into_view_if_needed()
    shot(alice, "tasks-panel")
    shot(chloe, "tasks-progress-on-board")
    tasks_list.get_by_role("button", name="Supprimer la tâche « Relire l'orthographe et les dates »").click()
    expect(tasks_list.locator(".task")).to_have_count(2)
    expect(chloe.locator(f"#card-{item_id} .tasks")).to_have_text("☑ 2/2", timeout=2000)


def test_tasks_panel_on_a_phone(open_board, board_group, make_items, seed):
    item_id = make_items(board_group, [("alice", "Affiche du festival", "proposed")])[0]

    def tasks():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services.tasks import add_task, update_task

        alice = db.session.query(User).filter_by(username="alice").one()
        first = add_task(alice, item_id, "Écrire le texte de présentation pour la newsletter de décembre")
        add_task(alice, item_id, "Trouver une image")
        update_task(alice, first.id, {"done": True})

    seed(tasks)
    alice = open_board("alice", board_group, width=390, height=844, query=f"?item={item_id}")
    expect(alice.locator("#task-list .task")).to_have_count(2)
    alice.locator("#tasks-title").scroll_into_view_if_needed()
    shot(alice, "tasks-panel-phone")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_over_limit_badge_limit_control_and_task_list_pass_axe(browser, live_server, board_group, make_items, seed,
                                                               scheme):
    """The badge of an over-limit column (#fff on #b45309 light, #2a1800 on #fbbf24 dark), the
    lead's control, the card's progress and the panel's list: no serious or critical violation."""

    from .test_accessibility import _violations

    ids = make_items(board_group, [("alice", "Affiche", "in_review"), ("anna", "Newsletter", "in_review"),
                                   ("alice", "Podcast", "in_review")])

    def tasks():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services.tasks import add_task, update_task

        chloe = db.session.query(User).filter_by(username="chloe").one()
        update_task(chloe, add_task(chloe, ids[0], "Écrire le texte").id, {"done": True})
        add_task(chloe, ids[0], "Trouver une image")

    seed(tasks)
    _, base = live_server
    with axe_board(browser, base, "chloe", board_group, scheme) as page:
        expect(column(page, "in_review")).to_have_class("column over-limit")
        column(page, "in_review").get_by_role("button", name="Fixer la limite de « En relecture »").click()
        assert _violations(page) == []
        shot(page, f"wip-limit-axe-{scheme}")
        page.locator(f"#card-{ids[0]} .card-title").click()
        expect(page.locator("#task-list .task")).to_have_count(2)
        assert _violations(page) == []
