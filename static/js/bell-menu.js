/** The bell's menu: a disclosure button (aria-expanded) opening a panel in place with the
 * latest notifications, each a link to its item that marks it read on the way, « Tout marquer
 * comme lu » and a link to the full page. Escape or a click outside closes it. Bodies come as
 * ``body_html``, sanitised on the server (workflow/markdown.py, nh3); every other text goes
 * through textContent. */
import { el, localDate } from "./dom.js";
import { get, post } from "./http.js";
import { _ } from "./i18n.js";

const LATEST = 10;

export class BellMenu {
  /** ``onUnread(n)``: the bell's count, set after marking read here. */
  constructor({ button, onUnread }) {
    this.button = button;
    this.onUnread = onUnread;
    this.root = document.getElementById("bell-menu");
    this.panel = document.getElementById("bell-panel");
    this.list = document.getElementById("bell-list");
    this.status = document.getElementById("bell-status");
    this.readAll = document.getElementById("bell-read-all");
    this.notes = [];
    button.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.readAll.addEventListener("click", () => this.markAllRead());
    this.list.addEventListener("click", (e) => this.follow(e));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.isOpen) {
        this.close();
        this.button.focus();
      }
    });
    document.addEventListener("click", (e) => {
      if (this.isOpen && !this.root.contains(e.target)) this.close();
    });
    window.addEventListener("resize", () => { if (this.isOpen) this.place(); });
    document.addEventListener("relais:notification", () => { if (this.isOpen) this.load(); });
  }

  get isOpen() { return !this.panel.hidden; }

  open() {
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.place();
    this.load();
  }

  close() {
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
  }

  /** Under the bell, inside the screen whatever its width (the header wraps on a phone). */
  place() {
    const margin = 8;
    const bell = this.button.getBoundingClientRect();
    const width = Math.min(384, window.innerWidth - 2 * margin);
    const left = Math.max(margin, Math.min(bell.right - width, window.innerWidth - width - margin));
    const top = bell.bottom + 6;
    Object.assign(this.panel.style, { width: `${width}px`, left: `${left}px`, top: `${top}px`,
      maxHeight: `${Math.max(160, window.innerHeight - top - margin)}px` });
  }

  async load() {
    if (!this.notes.length) this.status.textContent = _("Loading…");
    try {
      const data = await get(`/api/v1/notifications?limit=${LATEST}`);
      this.notes = data.notifications;
      this.onUnread(data.unread);
      this.render();
    } catch (err) {
      this.status.textContent = err.message;
    }
  }

  render() {
    this.status.textContent = this.notes.length ? "" : _("No notifications yet.");
    this.readAll.hidden = !this.notes.some((n) => !n.read);
    this.list.replaceChildren(...this.notes.map((note) => this.entry(note)));
  }

  entry(note) {
    const body = el("div", { class: "bell-note-body markdown" });
    body.innerHTML = note.body_html || "";  // sanitised server-side (nh3), never raw user text
    const link = el("a", { href: note.url, class: "bell-note-link", dataset: { id: note.id } },
      note.read ? null : el("span", { class: "bell-unread-mark", "aria-hidden": "true" }, "●"),
      note.read ? null : el("span", { class: "visually-hidden" }, _("Unread:")),
      el("span", { class: "bell-note-title" }, note.title));
    return el("li", { class: note.read ? "bell-note read" : "bell-note unread", dataset: { id: note.id } },
      link, note.body_html ? body : null, el("p", { class: "bell-note-when muted" }, localDate(note.created_at)));
  }

  /** A click on a notification: marked read, then off to its item. */
  async follow(e) {
    const link = e.target.closest("a.bell-note-link");
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const note = this.notes.find((n) => String(n.id) === link.dataset.id);
    if (!note || note.read) return;
    e.preventDefault();
    try {
      const data = await post(`/api/v1/notifications/${note.id}/read`);
      this.onUnread(data.unread);
    } catch (err) {
      // Going to the item matters more than the mark: it can be marked on the page.
    }
    window.location.assign(link.href);
  }

  async markAllRead() {
    this.readAll.disabled = true;
    try {
      await post("/api/v1/notifications/read-all");
      this.onUnread(0);
      this.notes = this.notes.map((n) => ({ ...n, read: true }));
      this.render();
      this.status.textContent = _("All notifications are marked as read.");
      this.button.focus();
    } catch (err) {
      this.status.textContent = err.message;
    } finally {
      this.readAll.disabled = false;
    }
  }
}
