/** The board's live link (docs/realtime.md): join the group's room, apply board events
 * once each (by event_id), catch up with `resync` after every (re)connection, show presence. */
import { io } from "../../vendor/socket.io/socket.io.esm.min.js";
import { el, initials } from "../dom.js";
import { _, ngettext } from "../i18n.js";

/** An event as GET /api/v1/events or `resync` shows it → the shape of a live event. */
export function fromFeed(e) {
  return { ...(e.payload || {}), event_id: e.id, type: e.type, group_id: e.group_id, item_id: e.item_id,
    actor: e.actor, created_at: e.created_at };
}

const BOARD_EVENTS = ["item.created", "item.updated", "item.moved", "item.transitioned", "item.scheduled",
  "item.published", "item.deleted", "item.restored", "comment.created", "review.created",
  "item.claimed", "item.unclaimed", "checklist.updated"];

export class Live {
  /** @param {object} opts {groupId, lastEventId, me, onEvent(evt), onPresence(p), onStatus(status)} */
  constructor(opts) {
    Object.assign(this, opts);
    this.lastEventId = Number(opts.lastEventId) || 0;
    this.editingItem = null;
    this.syncing = true;   // live events wait in ``buffer`` while a resync is catching up
    this.buffer = [];
    this.socket = io({ transports: ["websocket", "polling"], withCredentials: true });
    this.socket.on("connect", () => { this.showLost(false); this.joined(); });
    this.socket.on("disconnect", (reason) => {
      this.syncing = true;
      this.onStatus("offline");
      // The server closed it (no automatic retry): say so at once; otherwise wait for a failed retry.
      if (reason === "io server disconnect") this.showLost(true);
    });
    this.socket.on("connect_error", () => { this.onStatus("offline"); this.showLost(true); });
    this.socket.io.on("reconnect_attempt", () => this.onStatus("connecting"));
    for (const type of BOARD_EVENTS) this.socket.on(type, (evt) => this.receive(evt));
    // The browser knows about a lost network long before a ping times out.
    window.addEventListener("offline", () => { this.socket.disconnect(); this.onStatus("offline"); this.showLost(true); });
    window.addEventListener("online", () => { if (!this.socket.connected) this.socket.connect(); });
    this.socket.on("presence.updated", (p) => { if (p.group_id === this.groupId) this.onPresence(p); });
  }

  /** Show (or hide) the banner saying the live link is down: the board still works, others'
   * changes arrive on reconnection (the resync catches up). */
  showLost(lost) {
    if (!lost && !this.lostBanner) return;
    if (!this.lostBanner) {
      this.lostBanner = el("div", { id: "live-lost", class: "live-lost", role: "status" },
        _("Real-time connection lost — other people's changes will show when the connection is back"));
      (document.getElementById("main") || document.body).prepend(this.lostBanner);
    }
    this.lostBanner.hidden = !lost;
  }

  /** A live event: applied now, or after the running resync (else a newer live event
   * would raise lastEventId past events the resync is about to bring). */
  receive(evt) {
    if (this.syncing) this.buffer.push(evt);
    else this.apply(evt);
  }

  /** Apply ``evt`` unless it is one we already applied (ids only grow). */
  apply(evt) {
    if (!evt || typeof evt.event_id !== "number" || evt.event_id <= this.lastEventId) return false;
    this.lastEventId = evt.event_id;
    if (evt.group_id !== this.groupId) return false;
    this.onEvent(evt);
    return true;
  }

  async joined() {
    this.onStatus("syncing");
    this.syncing = true;
    const ack = await this.call("join", { group_id: this.groupId });
    if (!ack?.ok) {
      this.flushBuffer();
      this.onStatus("error", ack?.error?.detail);
      return;
    }
    if (ack.viewers) this.onPresence({ viewers: ack.viewers, editing: ack.editing || {} });
    try {
      await this.resync();
    } finally {
      this.flushBuffer();
    }
    if (this.editingItem) this.call("editing", { group_id: this.groupId, item_id: this.editingItem, editing: true });
    this.onStatus("online");
  }

  flushBuffer() {
    const waiting = this.buffer.sort((a, b) => a.event_id - b.event_id);
    this.buffer = [];
    this.syncing = false;
    for (const evt of waiting) this.apply(evt);
  }

  /** Fetch and apply what happened since the last applied event, page after page. */
  async resync() {
    for (let pages = 0; pages < 50; pages += 1) {
      const ack = await this.call("resync", { group_id: this.groupId, since: this.lastEventId });
      if (!ack?.ok) return;
      const before = this.lastEventId;
      for (const e of ack.events || []) this.apply(fromFeed(e));
      // Events of other groups are not in the feed: jump past the page we read.
      const last = (ack.events || []).at(-1);
      if (last && last.id > this.lastEventId) this.lastEventId = last.id;
      if (!ack.has_more || this.lastEventId === before) return;
    }
  }

  /** Emit with an acknowledgement; resolves to the ack, or null after a timeout / disconnection. */
  call(event, payload, timeout = 8000) {
    return new Promise((resolve) => {
      if (!this.socket.connected) { resolve(null); return; }
      this.socket.timeout(timeout).emit(event, payload, (err, ack) => resolve(err ? null : ack));
    });
  }

  /** Tell the others this person opened (item id) or closed (null) a card's panel. */
  setEditing(itemId) {
    const previous = this.editingItem;
    this.editingItem = itemId;
    if (previous && previous !== itemId) this.call("editing", { group_id: this.groupId, item_id: previous, editing: false });
    if (itemId) this.call("editing", { group_id: this.groupId, item_id: itemId, editing: true });
  }
}

/** Render the viewers' initials in the header list. */
export function renderViewers(list, viewers, me) {
  const seen = new Set();
  const items = [];
  for (const user of viewers || []) {
    if (seen.has(user.id)) continue;
    seen.add(user.id);
    const label = user.id === me.id ? _("%(name)s (you)", { name: user.display_name }) : user.display_name;
    items.push(el("li", { class: user.id === me.id ? "avatar me" : "avatar", title: label, "aria-label": label },
      initials(user.display_name)));
  }
  list.replaceChildren(...items);
}

/** Show "X modifie…" on each card someone else has open; clear it elsewhere. */
export function renderEditing(root, editing, me) {
  for (const badge of root.querySelectorAll(".card .editing:not([hidden])")) {
    badge.hidden = true;
    badge.textContent = "";
  }
  for (const [itemId, users] of Object.entries(editing || {})) {
    const others = (users || []).filter((u) => u.id !== me.id);
    const badge = document.querySelector(`#card-${Number(itemId)} .editing`);
    if (!badge || !others.length) continue;
    badge.textContent = ngettext("%(names)s is editing…", "%(names)s are editing…", others.length,
      { names: others.map((u) => u.display_name).join(", ") });
    badge.hidden = false;
  }
}
