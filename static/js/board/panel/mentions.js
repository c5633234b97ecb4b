/** The @mention picker of a text box (the comment box, the description): typing "@" then
 * letters offers the active members of the item's group whose username or a word of whose
 * name starts so (accents ignored, GET /api/v1/groups/<id>/members?q=); ↑/↓ choose, Enter or
 * Tab insert "@username", Escape closes; a click does the same. ARIA 1.2 combobox: the box
 * controls a listbox and names its active option (aria-activedescendant). */
import { announce, el } from "../../dom.js";
import { get } from "../../http.js";
import { _, ngettext } from "../../i18n.js";

// "@" at the start or after a space or punctuation (not inside an e-mail address), then the name typed so far.
const TYPED = /(?:^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}_.-]{1,40})$/u;
const LIMIT = 8;

export class MentionPicker {
  /** @param {HTMLTextAreaElement} box @param {() => number|null} groupId the open item's group */
  constructor(box, groupId) {
    this.box = box;
    this.groupId = groupId;
    this.options = [];
    this.active = -1;
    this.asked = 0;      // the latest request: an older answer arriving late is dropped
    this.cache = new Map();
    this.list = el("ul", { class: "mention-list", id: `${box.id}-mentions`, role: "listbox",
      "aria-label": _("People to mention"), hidden: true });
    box.after(this.list);
    Object.entries({ role: "combobox", "aria-autocomplete": "list", "aria-controls": this.list.id,
      "aria-expanded": "false", "aria-haspopup": "listbox" }).forEach(([k, v]) => box.setAttribute(k, v));
    box.addEventListener("input", () => this.typed());
    box.addEventListener("keydown", (e) => this.key(e));
    box.addEventListener("blur", () => this.close());
    box.addEventListener("click", () => this.typed());
    // mousedown, not click: the box keeps the focus (its blur would close the list first).
    this.list.addEventListener("mousedown", (e) => {
      const option = e.target.closest("[role=option]");
      if (!option) return;
      e.preventDefault();
      this.choose(Number(option.dataset.index));
    });
  }

  get open() { return !this.list.hidden; }

  /** What is typed after "@" just before the caret, or null. */
  query() {
    const { value, selectionStart, selectionEnd } = this.box;
    if (selectionStart !== selectionEnd) return null;
    const match = TYPED.exec(value.slice(0, selectionStart));
    return match ? match[1] : null;
  }

  async typed() {
    const q = this.query();
    const groupId = this.groupId();
    if (!q || !groupId) { this.close(); return; }
    const asked = ++this.asked;
    const key = `${groupId}|${q.toLowerCase()}`;
    let members = this.cache.get(key);
    if (!members) {
      try {
        members = await get(`/api/v1/groups/${groupId}/members?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
      } catch {
        members = [];
      }
      this.cache.set(key, members);
    }
    if (asked !== this.asked || this.query() !== q) return;
    this.show(members);
  }

  show(members) {
    this.options = members;
    if (!members.length) { this.close(); return; }
    this.list.replaceChildren(...members.map((m, i) => el("li", {
      role: "option", id: `${this.list.id}-${i}`, class: "mention-option", dataset: { index: i },
      "aria-selected": "false" },
    el("span", { class: "mention-name", text: m.display_name }), " ",
    el("span", { class: "mention-username", text: `@${m.username}` }))));
    this.list.hidden = false;
    this.box.setAttribute("aria-expanded", "true");
    this.select(0);
    announce(ngettext("%(num)s person to mention: ↑ ↓ to choose, Enter to insert.",
      "%(num)s people to mention: ↑ ↓ to choose, Enter to insert.", members.length));
  }

  select(index) {
    const items = [...this.list.children];
    if (!items.length) return;
    this.active = (index + items.length) % items.length;
    items.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    const current = items[this.active];
    this.box.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView?.({ block: "nearest" });
  }

  close() {
    this.asked += 1;
    this.list.hidden = true;
    this.list.replaceChildren();
    this.options = [];
    this.active = -1;
    this.box.setAttribute("aria-expanded", "false");
    this.box.removeAttribute("aria-activedescendant");
  }

  key(e) {
    if (!this.open) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.select(this.active + (e.key === "ArrowDown" ? 1 : -1));
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && this.active >= 0) {
      e.preventDefault();
      this.choose(this.active);
    } else if (e.key === "Escape") {
      // Close the list only: the panel (a dialog) stays open.
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  /** Replace "@typed" before the caret by "@username " and put the caret after it. */
  choose(index) {
    const member = this.options[index];
    const q = this.query();
    if (!member || q === null) { this.close(); return; }
    const { value, selectionStart } = this.box;
    const start = selectionStart - q.length - 1;
    const inserted = `@${member.username} `;
    this.box.value = value.slice(0, start) + inserted + value.slice(selectionStart);
    const caret = start + inserted.length;
    this.box.setSelectionRange(caret, caret);
    this.close();
    // The draft and the "send back to review" note follow the form's input events.
    this.box.dispatchEvent(new Event("input", { bubbles: true }));
    announce(_("%(name)s mentioned.", { name: member.display_name }));
  }
}
