/** The bar of actions on the selected cards (selection.js): move to a column, assign, label,
 * archive, trash — and restore in the trash. One POST /api/v1/items/bulk per action, all or
 * nothing: a refusal names the card and the rule and changes none; the toast then offers to
 * undo the whole action with one bulk call back (undo.js). Labels are named (a new name creates
 * the label) and kept as ids; a due date is the reader's local time, empty for none. */
import { announce, problemMessage, toast } from "../dom.js";
import { post } from "../http.js";
import { _, ngettext } from "../i18n.js";
import { askComment } from "./comment-dialog.js";
import { fromLocalInput } from "./due.js";
import { movesFor } from "./moves.js";
import { config, label, states } from "./page.js";
import { offerUndo } from "./undo.js";
import { overLimit } from "./wip.js";

const BULK = "/api/v1/items/bulk";
const A = config.bulk_actions;  // the server's names of the actions (domain/bulk.py)
const $ = (id) => document.getElementById(id);
const listOf = (value) => (value || "").split("|").filter(Boolean);

/** What a card is before the action, to put it back. */
function stateOf(card) {
  return { state: card.dataset.state, labels: listOf(card.dataset.labels).map(Number),
    assignees: listOf(card.dataset.assignees), dueAt: card.dataset.dueAt || null };
}

function confirmPublication(n) {
  return window.confirm(ngettext(
    "Publish %(num)s card now? It becomes public at once and its webhooks are sent: this cannot be undone.",
    "Publish %(num)s cards now? They become public at once and their webhooks are sent: this cannot be undone.", n));
}

export class BulkBar {
  constructor(cards, selection) {
    this.cards = cards;
    this.selection = selection;
    this.bar = $("bulk-bar");
    if (!this.bar) return;
    selection.onChange = () => this.render();
    this.bind();
  }

  bind() {
    $("bulk-move").addEventListener("change", (e) => {
      const state = e.target.value;
      e.target.value = "";
      if (state) this.move(state);
    });
    $("bulk-assign").addEventListener("change", (e) => {
      const username = e.target.value;
      const name = e.target.selectedOptions[0]?.textContent || username;
      e.target.value = "";
      if (username) this.run(A.ASSIGN, { assignees: [username] }, (n) => ngettext(
        "%(num)s card assigned to %(name)s.", "%(num)s cards assigned to %(name)s.", n, { name }));
    });
    $("bulk-label-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = $("bulk-label").value.trim();
      if (!name) return;
      $("bulk-label").value = "";
      this.run(A.LABEL, { labels: [name] }, (n) => ngettext(
        "Label “%(label)s” added to %(num)s card.", "Label “%(label)s” added to %(num)s cards.", n, { label: name }));
    });
    $("bulk-due-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const dueAt = fromLocalInput($("bulk-due").value);
      $("bulk-due").value = "";
      this.run(A.DUE, { due_at: dueAt }, (n) => (dueAt
        ? ngettext("Due date set on %(num)s card.", "Due date set on %(num)s cards.", n)
        : ngettext("Due date removed from %(num)s card.", "Due date removed from %(num)s cards.", n)));
    });
    $("bulk-archive").addEventListener("click", () => this.run(A.ARCHIVE, {}, (n) => ngettext(
      "%(num)s card archived.", "%(num)s cards archived.", n)));
    $("bulk-trash").addEventListener("click", () => this.run(A.TRASH, {}, (n) => ngettext(
      "%(num)s card moved to the trash.", "%(num)s cards moved to the trash.", n)));
    $("bulk-restore")?.addEventListener("click", () => this.run(A.RESTORE, {}, (n) => ngettext(
      "%(num)s card restored.", "%(num)s cards restored.", n)));
    $("bulk-clear").addEventListener("click", () => this.selection.clear(true));
  }

  render() {
    const n = this.selection.size;
    this.bar.hidden = n === 0;
    document.body.classList.toggle("has-bulk-bar", n > 0);
    $("bulk-count").textContent = ngettext("%(num)s card selected", "%(num)s cards selected", n);
    const over = n > config.max_bulk;
    $("bulk-limit").hidden = !over;
    for (const control of this.bar.querySelectorAll("button:not(#bulk-clear), select, input")) control.disabled = over;
  }

  async move(state) {
    const cards = this.selection.selected();
    const extra = { state };
    if (state === states.PUBLISHED && !confirmPublication(cards.length)) return;
    const needing = cards.find((card) => card.dataset.state !== state && movesFor(card)[state] === true);
    if (needing) {
      const comment = await askComment(needing, state);
      if (comment === null) { announce(_("Move cancelled.")); return; }
      extra.comment = comment;
    }
    this.run(A.MOVE, extra, (n) => ngettext("%(num)s card moved to “%(column)s”.", "%(num)s cards moved to “%(column)s”.",
      n, { column: label(state) }), state !== states.PUBLISHED);
  }

  /** One bulk call for the selection; ``describe(n)`` says what was done to n cards. */
  async run(action, extra, describe, undoable = true) {
    const cards = this.selection.selected();
    if (!cards.length) return;
    for (const card of document.querySelectorAll(".card.refused")) card.classList.remove("refused");
    const before = new Map(cards.map((card) => [Number(card.dataset.id), stateOf(card)]));
    const versions = Object.fromEntries(cards.map((card) => [card.dataset.id, Number(card.dataset.version)]));
    this.bar.setAttribute("aria-busy", "true");
    try {
      const result = await post(BULK, { ids: [...before.keys()], action, versions, ...extra });
      for (const item of result.items) this.cards.upsert(item);
      this.selection.clear();
      const warning = action === A.MOVE && result.changed.length ? overLimit(extra.state) : null;
      let message = result.changed.length ? describe(result.changed.length)
        : _("Nothing to change: the selected cards were already so.");
      if (warning) message = `${message} ${warning}`;  // a WIP limit warns, it never blocks
      const kind = warning ? "warning" : "ok";
      if (result.changed.length && undoable) offerUndo(message, () => this.undo(action, result, before), { kind });
      else toast(message, { kind, timeout: 5000 });
      announce(message);
    } catch (err) {
      this.refused(err);
    } finally {
      this.bar.removeAttribute("aria-busy");
    }
  }

  /** Show the card that refused the action (the selection stays, to change it and try again). */
  refused(err) {
    const card = err.problem?.item_id ? this.cards.card(err.problem.item_id) : null;
    if (card) {
      card.classList.add("refused");
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    const message = problemMessage(err, _("Action on the selection"));
    toast(message);
    announce(message);
  }

  /** The bulk call that puts every card the action changed back as it was. */
  async undo(action, result, before) {
    const ids = result.changed;
    const versions = Object.fromEntries(result.items.filter((i) => ids.includes(i.id)).map((i) => [i.id, i.version]));
    let body;
    if (action === A.MOVE || action === A.ARCHIVE) {
      body = { action: A.MOVE, states: Object.fromEntries(ids.map((id) => [id, before.get(id).state])) };
    } else if (action === A.DUE) {
      body = { action, due_each: Object.fromEntries(ids.map((id) => [id, before.get(id).dueAt])) };
    } else if (action === A.TRASH || action === A.RESTORE) {
      body = { action: action === A.TRASH ? A.RESTORE : A.TRASH };
    } else {
      const field = action === A.ASSIGN ? "assignees" : "labels";
      body = { action, each: Object.fromEntries(ids.map((id) => [id, before.get(id)[field]])) };
    }
    const back = await post(BULK, { ids, versions, ...body });
    for (const item of back.items) this.cards.upsert(item);
    return ngettext("%(num)s card put back as it was.", "%(num)s cards put back as they were.", back.changed.length);
  }
}
