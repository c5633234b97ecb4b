/** What the open panel says at its top about others: who else has this item open for
 * editing (from the board's presence, live), and, on a card a lead sent back for changes,
 * that lead's latest words (who, when, what). */
import { el, localDate } from "../../dom.js";
import { _, ngettext } from "../../i18n.js";

export class Cues {
  constructor(panel) {
    this.panel = panel;
    this.editing = {};   // the board's presence: {"<item id>": [user]}
  }

  clear() {
    this.panel.$("panel-coeditors").hidden = true;
    this.panel.$("panel-sent-back").hidden = true;
  }

  /** The board's presence changed (or the panel opened): say who else edits the open item. */
  showEditors(editing = this.editing) {
    this.editing = editing || {};
    const box = this.panel.$("panel-coeditors");
    const id = this.panel.openId;
    const me = this.panel.config.user.id;
    const others = id ? (this.editing[String(id)] || []).filter((u) => u.id !== me) : [];
    box.hidden = !others.length;
    box.textContent = others.length ? ngettext("%(names)s is also editing this item",
      "%(names)s are also editing this item", others.length,
      { names: others.map((u) => u.display_name).join(", ") }) : "";
  }

  /** The lead's latest request for changes, from the item's rounds, while the card carries the mark. */
  showSentBack(item, rounds) {
    const box = this.panel.$("panel-sent-back");
    const decisions = (rounds || []).flatMap((r) => r.decisions || []);
    const last = decisions.at(-1);
    if (!item?.changes_requested || !last || last.decision !== "request_changes") { box.hidden = true; return; }
    box.replaceChildren(
      el("p", { class: "sent-back-title" }, el("strong", { text: _("Changes requested") }), " · ",
        _("by %(name)s on %(when)s", { name: last.reviewer?.display_name || "?", when: localDate(last.created_at) })),
      last.comment ? el("blockquote", { class: "sent-back-comment", text: last.comment }) : null);
    box.hidden = false;
  }
}
