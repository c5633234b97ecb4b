/** The cards on the page: build, update and place them from items as the API shows them.
 * The server renders the first board (templates/board/_card.html); this module keeps the
 * same markup from <template id="card-template">, so a live card looks like a rendered one. */
import { el, initials, localDate } from "../dom.js";
import { _ } from "../i18n.js";
import { fillDue } from "./due.js";
import { chip } from "./labels.js";
import { showLimit } from "./wip.js";

const DAY = 24 * 3600 * 1000;

/** A card's place in its column: (rank, id), as the server orders them. */
const placeOf = (card) => [card.dataset.rank || "", Number(card.dataset.id)];
const after = (a, b) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

export class Cards {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.template = document.getElementById("card-template");
    this.lists = new Map([...root.querySelectorAll("ol.cards")].map((ol) => [ol.dataset.state, ol]));
    // Who is who, for "Relu par …": the group's members, plus anyone a live event names.
    this.names = new Map((config.members || []).map((m) => [m.id, m.display_name]));
  }

  /** Remember ``user``'s name (a live event's actor or claimer). */
  learn(user) {
    if (user?.id && user.display_name) this.names.set(user.id, user.display_name);
  }

  nameOf(userId) { return this.names.get(userId) || _("a lead"); }

  card(id) { return document.getElementById(`card-${id}`); }

  list(state) { return this.lists.get(state) || null; }

  /** The column an item belongs in on this board, or null when this board does not show it. */
  columnFor(item) {
    if (item.group_id !== this.config.group_id) return null;
    const { states } = this.config;
    if (item.deleted) return this.config.include_hidden ? states.TRASH : null;
    if (item.state === states.PUBLISHED && !this.config.include_hidden) {
      const when = Date.parse(item.published_at || item.updated_at || "");
      if (when && Date.now() - when > this.config.published_days * DAY) return null;
    }
    return this.lists.has(item.state) ? item.state : null;
  }

  /** Create or update the card of ``item`` and put it at its rank in its column.
   * Returns {card, from, to} (states; null when absent) or null for a stale snapshot. */
  upsert(item) {
    let card = this.card(item.id);
    if (card && Number(card.dataset.version) > item.version) return null;  // we already know newer
    const from = card ? card.closest("ol.cards")?.dataset.state || null : null;
    const to = this.columnFor(item);
    if (!to) {
      if (card) card.remove();
      this.updateCounts();
      return { card: null, from, to: null };
    }
    if (!card) card = this.template.content.firstElementChild.cloneNode(true);
    this.fill(card, item);
    this.place(card, this.list(to));
    this.updateCounts();
    return { card, from, to };
  }

  remove(id) {
    const card = this.card(id);
    if (card) card.remove();
    this.updateCounts();
  }

  fill(card, item) {
    const labels = item.labels || [];
    const assignees = item.assignees || [];
    card.id = `card-${item.id}`;
    Object.assign(card.dataset, {
      id: item.id, version: item.version, state: item.state, rank: item.rank, type: item.resource_type,
      author: item.author?.username || "", deleted: item.deleted ? "1" : "0",
      labels: `|${labels.map((l) => l.id).join("|")}|`, dueAt: item.due_at || "", assignees: `|${assignees.map((u) => u.username).join("|")}|`,
    });
    const type = card.querySelector(".type");
    type.className = `type type-${item.resource_type}`;
    type.textContent = this.config.type_labels[item.resource_type] || item.resource_type;
    card.querySelector(".card-title").textContent = item.title;
    this.fillCover(card, item);
    this.fillClaim(card, item);
    const sentBack = card.querySelector(".changes-requested");
    if (sentBack) sentBack.hidden = !item.changes_requested || item.deleted;
    const meta = card.querySelector(".card-meta");
    meta.replaceChildren(el("span", { class: "author", text: item.author?.display_name || "" }));
    // One publication date everywhere: when it went out once published, else when it is due.
    const when = item.state === this.config.states.PUBLISHED ? item.published_at || item.scheduled_at : item.scheduled_at;
    if (when) meta.append(" · ", el("time", { class: "when", datetime: when, text: localDate(when) }));
    fillDue(card);
    card.querySelector(".labels").replaceChildren(...labels.map((label) => chip(label)));
    card.querySelector(".assignees").replaceChildren(...assignees.map(
      (u) => el("span", { class: "avatar", title: u.display_name, text: initials(u.display_name) })));
    card.querySelector(".comments .n").textContent = item.comment_count ?? 0;
    this.fillTasks(card, item);
    card.querySelector(".card-move").setAttribute("aria-label", _("Move “%(title)s”", { title: item.title }));
    card.querySelector(".card-select")?.setAttribute("aria-label", _("Select “%(title)s”", { title: item.title }));
  }

  /** The card's cover image (schemas/attachments.py's crop), or none. */
  fillCover(card, item) {
    const img = card.querySelector(".cover");
    if (!img) return;
    const url = item.cover?.thumbnail_url || "";
    img.hidden = !url;
    if (!url) img.removeAttribute("src");
    else if (img.getAttribute("src") !== url) img.src = url;
  }

  /** The to-do list's progress, "☑ 2/5" (none when the card has no task). */
  fillTasks(card, item) {
    const badge = card.querySelector(".tasks");
    if (!badge) return;
    const done = item.tasks_done ?? 0;
    const total = item.tasks_total ?? 0;
    badge.hidden = !total;
    badge.classList.toggle("all-done", Boolean(total) && done === total);
    badge.textContent = total ? `☑ ${done}/${total}` : "";
    const words = _("Tasks done: %(done)s of %(total)s", { done, total });
    if (total) { badge.title = words; badge.setAttribute("aria-label", words); }
  }

  /** The "Relu par …" badge: who took the review of this card, if anyone. */
  fillClaim(card, item) {
    const badge = card.querySelector(".claimed");
    if (!badge) return;
    const claimed = Boolean(item.claimed_by_id) && item.state === this.config.states.IN_REVIEW && !item.deleted;
    card.dataset.claimedBy = claimed ? item.claimed_by_id : "";
    badge.hidden = !claimed;
    if (!claimed) { badge.textContent = ""; badge.removeAttribute("title"); return; }
    const name = this.nameOf(item.claimed_by_id);
    badge.textContent = _("Claimed by %(name)s", { name });
    badge.title = _("This review is taken by %(name)s", { name });
  }

  /** Insert ``card`` in ``list`` before the first card ranked after it (no DOM change if already there). */
  place(card, list) {
    const mine = placeOf(card);
    if (card.parentElement === list) {
      const prev = card.previousElementSibling;
      const next = card.nextElementSibling;
      if ((!prev || after(mine, placeOf(prev))) && (!next || after(placeOf(next), mine))) return;
    }
    let anchor = null;
    for (const other of list.children) {
      if (other !== card && after(placeOf(other), mine)) { anchor = other; break; }
    }
    const hadFocus = card.contains(document.activeElement) ? document.activeElement : null;
    list.insertBefore(card, anchor);
    if (hadFocus) hadFocus.focus();
  }

  /** The server renumbered a column (`column.rebalanced`): set its cards' ranks, re-sort it.
   * Only the cards this column holds change; versions stay as they are. */
  rebalance(state, ranks) {
    const list = this.list(state);
    if (!list) return;
    for (const [id, rank] of Object.entries(ranks || {})) {
      const card = this.card(id);
      if (card?.parentElement === list) card.dataset.rank = rank;
    }
    const cards = [...list.children];
    const sorted = [...cards].sort((a, b) => (after(placeOf(a), placeOf(b)) ? 1 : -1));
    if (sorted.every((card, i) => card === cards[i])) return;
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    list.append(...sorted);
    if (focused) focused.focus();
  }

  /** Column counts and the over-limit mark (the limit warns, it never blocks). */
  updateCounts() {
    for (const column of this.root.querySelectorAll(".column")) showLimit(column);
  }

  /** The ids of each column in order, e.g. to compare two boards. */
  snapshot() {
    const out = {};
    for (const [state, list] of this.lists) out[state] = [...list.children].map((c) => Number(c.dataset.id));
    return out;
  }
}
