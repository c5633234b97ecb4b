/** The board's live link (docs/realtime.md, "The board log"): join the group's room, keep
 * the board's `seq` (the last board event applied), apply events in seq order once each,
 * catch up with `resync` on a gap, a higher `board.head` or a (re)connection; show presence. */
import { el, initials } from "../dom.js";
import { _, ngettext } from "../i18n.js";
import { onConnect, socket } from "../socket.js";

/** An event as GET /api/v1/events or `resync` shows it → the shape of a live event. */
export function fromFeed(e) {
  return { ...(e.payload || {}), event_id: e.id, seq: e.seq ?? e.payload?.seq, type: e.type,
    group_id: e.group_id, item_id: e.item_id ?? e.payload?.item_id ?? null, actor: e.actor, created_at: e.created_at };
}

const isSeq = (n) => Number.isInteger(n) && n >= 0;

export class Live {
  /** @param {object} opts {groupId, seq, eventTypes, events, me, onEvent(evt), onRebalance(evt), onPurge(evt),
   *   onPresence(p), onStatus(status)}: ``seq`` is the head the page's cards were read at, ``eventTypes`` the
   *   types of the board's log as the server names them (the page's ``event_types``), ``events`` the page's
   *   names of single types (``events.COLUMN_REBALANCED``…). */
  constructor(opts) {
    Object.assign(this, opts);
    // The types applied otherwise than by their item, and by which handler.
    this.handlers = { [opts.events.COLUMN_REBALANCED]: "onRebalance", [opts.events.ITEM_PURGED]: "onPurge" };
    this.seq = Number(opts.seq) || 0;
    this.head = this.seq;        // the highest seq known to exist on the server
    this.buffer = new Map();     // seq → event that arrived ahead of a gap
    this.running = null;         // the resync under way (one at a time)
    this.editingItem = null;
    this.showSeq();
    this.socket = socket();
    this.socket.on("disconnect", (reason) => {
      this.onStatus("offline");
      // The server closed it (no automatic retry): say so at once; otherwise wait for a failed retry.
      if (reason === "io server disconnect") this.showLost(true);
    });
    this.socket.on("connect_error", () => { this.onStatus("offline"); this.showLost(true); });
    this.socket.io.on("reconnect_attempt", () => this.onStatus("connecting"));
    for (const type of opts.eventTypes || []) this.socket.on(type, (evt) => this.receive(evt));
    this.socket.on(opts.events.BOARD_HEAD, (h) => { if (h?.group_id === this.groupId) this.behind(h.seq); });
    // The browser knows about a lost network long before a ping times out.
    window.addEventListener("offline", () => { this.socket.disconnect(); this.onStatus("offline"); this.showLost(true); });
    window.addEventListener("online", () => { if (!this.socket.connected) this.socket.connect(); });
    this.socket.on("presence.updated", (p) => { if (p.group_id === this.groupId) this.onPresence(p); });
    onConnect(() => { this.showLost(false); this.joined(); });
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

  /** The board's seq as the page holds it, for the tests and for debugging. */
  showSeq() { document.body.dataset.boardSeq = String(this.seq); }

  /** A live board event: the next one is applied (then the buffered ones that follow it), one
   * ahead of a gap waits in the buffer while the gap is fetched, one already applied is ignored. */
  receive(evt) {
    if (!evt || evt.group_id !== this.groupId || !isSeq(evt.seq) || evt.seq <= this.seq) return;
    if (evt.seq > this.seq + 1) {
      this.buffer.set(evt.seq, evt);
      this.behind(evt.seq);
      return;
    }
    this.apply(evt);
    this.drain();
  }

  apply(evt) {
    this.seq = evt.seq;
    this[this.handlers[evt.type] || "onEvent"](evt);
  }

  /** Apply the buffered events that now follow our seq; forget those it went past. */
  drain() {
    for (const seq of this.buffer.keys()) if (seq <= this.seq) this.buffer.delete(seq);
    while (this.buffer.has(this.seq + 1)) {
      const next = this.buffer.get(this.seq + 1);
      this.buffer.delete(next.seq);
      this.apply(next);
    }
    this.showSeq();
  }

  /** The server holds the board up to ``seq``: catch up if that is past what we applied. */
  behind(seq) {
    if (!isSeq(seq) || seq <= this.seq) return null;
    this.head = Math.max(this.head, seq);
    return this.resync();
  }

  /** Fetch and apply the log after our seq, page after page, until we hold the head.
   * One resync at a time: a caller while one runs gets that one, which reads the new head. */
  resync() {
    this.running ||= this.catchUp().finally(() => { this.running = null; });
    return this.running;
  }

  async catchUp() {
    let more = false;
    while (this.socket.connected && (more || this.seq < this.head)) {
      const before = this.seq;
      const ack = await this.call("resync", { group_id: this.groupId, since_seq: this.seq });
      if (!ack?.ok) return;
      const events = (ack.events || []).map(fromFeed).filter((e) => isSeq(e.seq)).sort((a, b) => a.seq - b.seq);
      more = Boolean(ack.has_more);
      // An answer holds the whole log up to its last event (its head, on the last page): a seq
      // it skips was an event purged with its item, not a loss to wait for.
      for (const evt of events) if (evt.seq > this.seq) this.apply(evt);
      const complete = more ? events.at(-1)?.seq : ack.seq;
      if (isSeq(complete) && complete > this.seq) this.seq = complete;
      if (isSeq(ack.seq)) this.head = Math.max(this.head, ack.seq);
      this.drain();
      if (this.seq === before) return;  // nothing to apply (yet): the next heartbeat asks again
    }
  }

  /** (Re)connected: join the board's room, then catch up if the board moved on meanwhile. */
  async joined() {
    this.onStatus("syncing");
    const ack = await this.call("join", { group_id: this.groupId });
    if (!ack?.ok) {
      this.onStatus("error", ack?.error?.detail);
      return;
    }
    if (ack.viewers) this.onPresence({ viewers: ack.viewers, editing: ack.editing || {} });
    await (this.behind(ack.seq) || this.running);
    if (this.editingItem) this.call("editing", { group_id: this.groupId, item_id: this.editingItem, editing: true });
    if (this.socket.connected) this.onStatus("online");
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
