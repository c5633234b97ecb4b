/** The board page (/groups/<id>/board): drag and drop, keyboard moves, filters, the detail
 * panel, the "New item" form and the live link. One listener per kind of event on the
 * board (delegation), so a board of a thousand cards costs no more to wire than one of ten. */
import { announce, hideToast, problemMessage, toast } from "./dom.js";
import { _, ngettext } from "./i18n.js";
import { post } from "./http.js";
import { Cards } from "./board/cards.js";
import { Live, renderEditing, renderViewers } from "./board/live.js";
import { Panel } from "./board/panel.js";

const config = JSON.parse(document.getElementById("board-data").textContent);
const root = document.getElementById("board");
const cards = new Cards(root, config);
const me = config.user;
const label = (state) => config.state_labels[state] || state;
const titleOf = (card) => card.querySelector(".card-title").textContent;
let editing = {};

// ------------------------------------------------------------------ moving cards

/** What this person may do from ``card``'s state: {target: needsComment}. */
function movesFor(card) {
  const byRole = config.moves[card.dataset.state] || { author: {}, other: {} };
  return card.dataset.author === me.username ? byRole.author : byRole.other;
}

const commentDialog = document.getElementById("comment-dialog");

/** Ask for the comment a transition needs. Resolves to the text, or null if cancelled. */
function askComment(card, target) {
  const why = target === "rejected"
    ? _("Explain why “%(title)s” is rejected: the author will read this reason.", { title: titleOf(card) })
    : _("Tell the author what to change in “%(title)s” before sending it back to “%(column)s”.",
      { title: titleOf(card), column: label(target) });
  document.getElementById("comment-title").textContent =
    target === "rejected" ? _("Reason for rejection") : _("Changes requested");
  document.getElementById("comment-why").textContent = why;
  const text = document.getElementById("comment-text");
  const error = document.getElementById("comment-error");
  text.value = "";
  error.hidden = true;
  return new Promise((resolve) => {
    const form = document.getElementById("comment-form");
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      commentDialog.removeEventListener("close", onClose);
      if (commentDialog.open) commentDialog.close();
      resolve(value);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      if (!text.value.trim()) { error.hidden = false; text.focus(); return; }
      done(text.value.trim());
    };
    const onClose = () => done(null);
    form.addEventListener("submit", onSubmit);
    commentDialog.addEventListener("close", onClose);
    commentDialog.showModal();
    text.focus();
  });
}

/** Ask the server to put ``card`` in ``state`` before/after a neighbour. ``revert`` undoes
 * the optimistic DOM move when the server (or the person, cancelling the comment) says no. */
async function moveCard(card, { state, beforeId = null, afterId = null }, revert) {
  const id = Number(card.dataset.id);
  const fromState = card.dataset.state;
  const body = { version: Number(card.dataset.version) };
  if (state !== fromState) body.state = state;
  if (beforeId) body.before_id = beforeId;
  else if (afterId) body.after_id = afterId;
  if (!body.state && !body.before_id && !body.after_id) { revert(); return; }
  if (body.state && movesFor(card)[state] === true) {
    const comment = await askComment(card, state);
    if (comment === null) {
      revert();
      announce(_("Move cancelled."));
      return;
    }
    body.comment = comment;
  }
  card.classList.add("saving");
  card.setAttribute("aria-busy", "true");
  try {
    const item = await post(`/api/v1/items/${id}/move`, body);
    cards.upsert(item);
    hideToast();
    announce(state !== fromState
      ? _("“%(title)s” moved from “%(from)s” to “%(to)s”.", { title: item.title, from: label(fromState), to: label(item.state) })
      : _("“%(title)s” moved to position %(position)s in “%(column)s”.",
        { title: item.title, position: positionOf(cards.card(id)), column: label(item.state) }));
  } catch (err) {
    revert();
    let message = problemMessage(err, _("Move"));
    if (body.state && !(body.state in movesFor(card)) && [403, 409].includes(err.status)) {
      const options = Object.keys(movesFor(card)).map((s) => _("“%(column)s”", { column: label(s) }));
      message = _("Move refused: you may not put this card from “%(from)s” to “%(to)s”.",
        { from: label(fromState), to: label(body.state) })
        + (options.length ? " " + _("(possible for you: %(options)s)", { options: options.join(", ") }) : "")
        + " " + _("Reason: %(reason)s", { reason: err.problem?.detail || _("not given") });
    }
    toast(message);
    announce(_("Card put back in its place.") + " " + message);
  } finally {
    card.classList.remove("saving");
    card.removeAttribute("aria-busy");
  }
}

function positionOf(card) {
  return card ? [...card.parentElement.children].indexOf(card) + 1 : 0;
}

function visibleSibling(card, direction) {
  let node = direction < 0 ? card.previousElementSibling : card.nextElementSibling;
  while (node && node.hidden) node = direction < 0 ? node.previousElementSibling : node.nextElementSibling;
  return node;
}

/** Where a card now sits among its (DOM) neighbours → the API's before_id / after_id. */
function anchorsOf(card) {
  const next = card.nextElementSibling;
  if (next) return { beforeId: Number(next.dataset.id) };
  const prev = card.previousElementSibling;
  return prev ? { afterId: Number(prev.dataset.id) } : {};
}

function restorer(card) {
  const list = card.parentElement;
  const next = card.nextElementSibling;
  return () => {
    list.insertBefore(card, next && next.parentElement === list ? next : null);
    cards.updateCounts();
  };
}

/** Up or down one place in the column (keyboard). */
function reorder(card, direction) {
  const neighbour = visibleSibling(card, direction);
  if (!neighbour) { announce(direction < 0 ? _("Already at the top of the column.") : _("Already at the bottom of the column.")); return; }
  const revert = restorer(card);
  const focused = document.activeElement;
  card.parentElement.insertBefore(card, direction < 0 ? neighbour : neighbour.nextElementSibling);
  if (card.contains(focused)) focused.focus();
  const anchor = direction < 0 ? { beforeId: Number(neighbour.dataset.id) } : { afterId: Number(neighbour.dataset.id) };
  moveCard(card, { state: card.dataset.state, ...anchor }, revert);
}

/** To another column, at its end (keyboard / menu). */
function moveToColumn(card, state) {
  if (state === card.dataset.state) return;
  const list = cards.list(state);
  if (!list) return;
  const revert = restorer(card);
  const focused = document.activeElement;
  list.append(card);
  cards.updateCounts();
  if (card.contains(focused)) focused.focus();
  moveCard(card, { state }, revert);
}

// Drag and drop: one Sortable per column; the drop is checked by the server.
const Sortable = window.Sortable;
let dragRevert = null;
function highlightTargets(card, on) {
  const allowed = movesFor(card);
  for (const column of root.querySelectorAll(".column")) {
    const state = column.dataset.state;
    column.classList.toggle("drop-ok", on && (state === card.dataset.state || state in allowed));
    column.classList.toggle("drop-no", on && state !== card.dataset.state && !(state in allowed));
  }
}
const sortables = [];
// Sortable's animation measures every card of a column on each move: smooth on a small
// column, a stutter on a column of hundreds. Animate only columns that stay light.
const ANIMATED_MAX = 80;
if (Sortable) {
  for (const list of cards.lists.values()) {
    const inTrash = list.dataset.state === "trash";
    sortables.push(Sortable.create(list, {
      group: { name: "board", pull: !inTrash, put: !inTrash },
      sort: !inTrash,
      disabled: !config.can_edit || inTrash,
      animation: 0,
      forceFallback: true,          // mouse and touch alike, and no native drag image
      fallbackTolerance: 4,         // a click is a click, not a tiny drag
      delay: 180,
      delayOnTouchOnly: true,       // on phones, a short press starts the drag; a swipe scrolls
      filter: ".card-move",
      preventOnFilter: false,
      ghostClass: "card-ghost",
      chosenClass: "card-chosen",
      dragClass: "card-drag",
      onStart(evt) {
        for (const s of sortables) s.option("animation", s.el.children.length > ANIMATED_MAX ? 0 : 120);
        dragRevert = restorer(evt.item);
        highlightTargets(evt.item, true);
      },
      onEnd(evt) {
        const card = evt.item;
        highlightTargets(card, false);
        const revert = dragRevert;
        dragRevert = null;
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
        cards.updateCounts();
        moveCard(card, { state: evt.to.dataset.state, ...anchorsOf(card) }, revert);
      },
    }));
  }
}

// The "Déplacer vers…" dialog: every column, the ones this person may not use disabled.
const moveDialog = document.getElementById("move-dialog");
const moveTargets = document.getElementById("move-targets");
let moveCardEl = null;
function openMoveDialog(card) {
  moveCardEl = card;
  const allowed = movesFor(card);
  document.getElementById("move-item-title").textContent = _("“%(title)s” — now in “%(column)s”",
    { title: titleOf(card), column: label(card.dataset.state) });
  const legend = moveTargets.querySelector("legend");
  moveTargets.replaceChildren(legend);
  for (const state of config.columns) {
    if (state === "trash") continue;
    const current = state === card.dataset.state;
    const ok = current || state in allowed;
    const input = Object.assign(document.createElement("input"),
      { type: "radio", name: "target", value: state, checked: current, disabled: !ok });
    const text = label(state) + (current ? " " + _("(current column)") : "")
      + (ok ? "" : " — " + _("not allowed for you"))
      + (allowed[state] === true ? " — " + _("comment required") : "");
    const row = document.createElement("label");
    row.className = ok ? "move-target" : "move-target disabled";
    row.append(input, " ", text);
    moveTargets.append(row);
  }
  moveDialog.showModal();
  (moveTargets.querySelector("input:checked") || moveTargets.querySelector("input:not(:disabled)"))?.focus();
}
document.getElementById("move-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const card = moveCardEl;
  const target = moveTargets.querySelector("input:checked")?.value;
  moveDialog.close();
  if (card && target) moveToColumn(card, target);
});
moveDialog.addEventListener("click", (e) => {
  const order = e.target.closest("[data-order]");
  if (order && moveCardEl) { moveDialog.close(); reorder(moveCardEl, order.dataset.order === "up" ? -1 : 1); }
  if (e.target.closest("[data-close]") || e.target === moveDialog) moveDialog.close();
});
commentDialog.addEventListener("click", (e) => {
  if (e.target.closest("[data-close]")) commentDialog.close();
});

// ------------------------------------------------------------------ live link and panel

const connection = document.getElementById("connection");
const STATUS = { connecting: _("Connecting…"), syncing: _("Updating…"), online: _("Live"),
  offline: _("Offline — reconnecting…"), error: _("Board not synchronised") };
let live = null;
let panel = null;

/** A label seen for the first time (a card created or edited live) joins the label filter. */
function learnLabels(item) {
  const select = document.getElementById("filter-label");
  const known = new Set([...select.options].map((o) => o.value));
  for (const name of item?.labels || []) {
    if (!known.has(name)) { select.append(new Option(name, name)); known.add(name); }
  }
}

function onEvent(evt) {
  if (evt.type === "item.deleted" && !config.include_hidden) {
    cards.remove(evt.item_id);
  } else if (evt.item) {
    learnLabels(evt.item);
    cards.learn(evt.claimed_by);
    cards.learn(evt.actor);
    const result = cards.upsert(evt.item);
    if (result?.card) applyFilters(result.card);
    if (result?.card && evt.actor && evt.actor.id !== me.id && result.from !== result.to && result.to) {
      announce(_("%(name)s moved “%(title)s” to “%(column)s”.",
        { name: evt.actor.display_name, title: evt.item.title, column: label(result.to) }));
    }
  }
  panel?.onEvent(evt);
  renderEditing(root, editing, me);
}

function onPresence(p) {
  editing = p.editing || {};
  renderViewers(document.getElementById("presence"), p.viewers, me);
  renderEditing(root, editing, me);
}

function onStatus(status, detail) {
  connection.dataset.status = status;
  document.getElementById("presence").classList.toggle("stale", status !== "online");
  connection.textContent = detail ? `${STATUS[status]} (${detail})` : STATUS[status];
}

live = new Live({ groupId: config.group_id, seq: config.seq, eventTypes: config.event_types, me, onEvent, onPresence, onStatus,
  onRebalance: (evt) => cards.rebalance(evt.state, evt.ranks), onPurge: (evt) => cards.remove(evt.item_id) });
panel = new Panel({ config, cards, live });

// One click listener for every card.
root.addEventListener("click", (e) => {
  const button = e.target.closest("[data-action]");
  const card = button?.closest(".card");
  if (!card) return;
  if (button.dataset.action === "open") panel.open(Number(card.dataset.id));
  else if (button.dataset.action === "move") openMoveDialog(card);
});
root.addEventListener("keydown", (e) => {
  const card = e.target.closest?.(".card");
  if (!card || !e.altKey || !config.can_edit) return;
  const columns = config.columns.filter((s) => s !== "trash");
  const index = columns.indexOf(card.dataset.state);
  if (e.key === "ArrowUp" || e.key === "ArrowDown") {
    e.preventDefault();
    reorder(card, e.key === "ArrowUp" ? -1 : 1);
  } else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && index >= 0) {
    e.preventDefault();
    const target = columns[index + (e.key === "ArrowLeft" ? -1 : 1)];
    if (target) moveToColumn(card, target);
  }
});
document.getElementById("toast-close").addEventListener("click", hideToast);

// ------------------------------------------------------------------ filters

const filterForm = document.getElementById("filters");
// On a phone the filters fold away so the first column shows without scrolling.
if (window.matchMedia("(max-width: 640px)").matches) document.getElementById("filters-box").open = false;
const norm = (s) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
let filters = null;

function readFilters() {
  const f = filterForm.elements;
  filters = { q: norm(f.q.value.trim()), type: f.type.value, label: f.label.value,
    assignee: f.assignee.value, mine: f.mine.checked };
  filters.active = Boolean(filters.q || filters.type || filters.label || filters.assignee || filters.mine);
}

function matches(card) {
  if (!filters?.active) return true;
  const d = card.dataset;
  if (filters.type && d.type !== filters.type) return false;
  if (filters.label && !d.labels.includes(`|${filters.label}|`)) return false;
  if (filters.assignee && !d.assignees.includes(`|${filters.assignee}|`)) return false;
  if (filters.mine && d.author !== me.username && !d.assignees.includes(`|${me.username}|`)) return false;
  if (filters.q && !norm(titleOf(card)).includes(filters.q)) return false;
  return true;
}

function applyFilters(only) {
  if (only) { only.hidden = !matches(only); return; }
  readFilters();
  let shown = 0;
  let total = 0;
  for (const card of root.querySelectorAll(".card")) {
    const ok = matches(card);
    card.hidden = !ok;
    total += 1;
    if (ok) shown += 1;
  }
  root.classList.toggle("filtered", filters.active);
  document.getElementById("filter-summary").textContent =
    filters.active ? ngettext("%(num)s card shown out of %(total)s", "%(num)s cards shown out of %(total)s", shown, { total }) : "";
}
// Filtering a thousand cards takes ~10 ms: do it on every keystroke, at once (no timer to wait for).
filterForm.addEventListener("input", () => applyFilters());
filterForm.addEventListener("submit", (e) => e.preventDefault());

// ------------------------------------------------------------------ new item

const newDialog = document.getElementById("new-item-dialog");
const newForm = document.getElementById("new-item-form");
document.getElementById("new-item-button")?.addEventListener("click", () => {
  newDialog.showModal();
  newForm.elements.title.focus();
});
newDialog.addEventListener("click", (e) => { if (e.target.closest("[data-close]")) newDialog.close(); });
newForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = newForm.elements;
  const error = document.getElementById("new-item-error");
  if (!f.title.value.trim()) {
    error.textContent = _("Give the item a title.");
    error.hidden = false;
    f.title.focus();
    return;
  }
  const body = {
    title: f.title.value.trim(), resource_type: f.resource_type.value, summary: f.summary.value,
    body: f.body.value, labels: f.labels.value.split(",").map((s) => s.trim()).filter(Boolean),
    assignees: [...newForm.querySelectorAll('input[name="assignees"]:checked')].map((o) => o.value),
  };
  if (f.resource_url.value.trim()) body.resource_url = f.resource_url.value.trim();
  const submit = newForm.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const item = await post(`/api/v1/groups/${config.group_id}/items`, body);
    learnLabels(item);
    const result = cards.upsert(item);
    newForm.reset();
    error.hidden = true;
    newDialog.close();
    if (result?.card) { applyFilters(result.card); result.card.querySelector(".card-title").focus(); }
    announce(_("“%(title)s” added to “%(column)s”.", { title: item.title, column: label(item.state) }));
  } catch (err) {
    const fields = Object.entries(err.problem?.errors || {})
      .map(([name, msgs]) => `${name} : ${[].concat(msgs).flat().join(" ")}`);
    error.textContent = [problemMessage(err, _("Creation")), ...fields].join(" — ");
    error.hidden = false;  // the form keeps everything typed
  } finally {
    submit.disabled = false;
  }
});

window.addEventListener("beforeunload", () => panel.flushDraft());

// ------------------------------------------------------------------ ?item=<id> (links from notifications)

/** Open the panel of the item a link names: on this board, in the hidden columns, or say why not. */
async function openLinkedItem(itemId) {
  if (!itemId) return;
  if (cards.card(itemId)) {
    cards.card(itemId).scrollIntoView({ block: "nearest", inline: "nearest" });
    await panel.open(itemId);
    return;
  }
  const item = await panel.open(itemId, { quiet: true });
  if (item && item.group_id === config.group_id) {
    panel.notice("panel-others", _("“%(title)s” is not shown on the board (column “%(column)s”): "
      + "here are its details.", { title: item.title, column: label(item.deleted ? "trash" : item.state) }));
  } else if (item) {
    panel.dialog.close();
    toast(_("This item belongs to another group: open it from that group’s board."));
  } else {
    toast(_("The item of this link no longer exists or you may not see it."));
  }
}
openLinkedItem(config.open_item);

// For the browser tests and for debugging from the console.
window.relaisBoard = { cards, live, panel, config, applyFilters };
performance.mark("board-ready");
document.documentElement.dataset.boardReady = "1";
