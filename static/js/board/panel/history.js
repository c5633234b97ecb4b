/** The panel's history: the item's events, newest first, each told as a sentence. The event
 * types are the server's (the page's ``events``), never spelled here. */
import { el, localDate } from "../../dom.js";
import { _ } from "../../i18n.js";
import { FIELD_LABELS } from "./fields.js";

const ACTIONS = {
  submit: _("submitted the item for review"), withdraw: _("withdrew the item from review"),
  request_changes: _("requested changes"), approve: _("approved the item"), reject: _("rejected the item"),
  schedule: _("scheduled the item"), unschedule: _("unscheduled the item"), publish: _("published the item"),
  archive: _("archived the item"), unarchive: _("restored the item from the archive"),
};

/** ``{event type: (payload) => sentence}`` for the types of ``events`` (the page's names). */
function sentences(events, label) {
  return {
    [events.ITEM_CREATED]: () => _("proposed the item"),
    [events.ITEM_UPDATED]: (p) => {
      const names = Object.keys(p.changes || {}).map((n) => FIELD_LABELS[n] || n).join(", ");
      return _("changed %(fields)s", { fields: names || _("the item") })
        + (p.sent_back_to_review ? " " + _("(sent back to review)") : "");
    },
    [events.ITEM_MOVED]: (p) => {
      if (p.from && p.to && p.from !== p.to) return _("moved it from “%(from)s” to “%(to)s”", { from: label(p.from), to: label(p.to) });
      return _("changed its place in “%(column)s”", { column: label(p.to || p.item?.state) });
    },
    [events.ITEM_TRANSITIONED]: (p) => (ACTIONS[p.action] || _("changed the state"))
      + " (" + _("“%(from)s” → “%(to)s”", { from: label(p.from), to: label(p.to) }) + ")",
    [events.ITEM_SCHEDULED]: (p) => (p.item?.scheduled_at
      ? _("scheduled the publication on %(when)s", { when: localDate(p.item.scheduled_at) }) : _("scheduled the publication")),
    [events.ITEM_PUBLISHED]: () => _("published the item"),
    [events.ITEM_DELETED]: () => _("put the item in the trash"),
    [events.ITEM_RESTORED]: () => _("restored the item"),
    [events.COMMENT_CREATED]: () => _("commented"),
    [events.ATTACHMENT_CREATED]: (p) => _("attached “%(name)s”", { name: p.attachment?.filename || "?" }),
    [events.ATTACHMENT_DELETED]: () => _("deleted an attachment"),
    [events.TASK_CREATED]: (p) => _("added the task “%(text)s”", { text: p.task?.text || "?" }),
    [events.TASK_UPDATED]: (p) => {
      const text = p.task?.text || "?";
      if (p.changes?.done) return p.task?.done ? _("ticked the task “%(text)s”", { text }) : _("unticked the task “%(text)s”", { text });
      return _("renamed the task “%(text)s”", { text });
    },
    [events.TASK_DELETED]: (p) => _("deleted the task “%(text)s”", { text: p.text || "?" }),
    [events.REVIEW_CREATED]: (p) => ACTIONS[p.action] || _("gave a decision"),
    [events.ITEM_CLAIMED]: () => _("took the review"),
    [events.ITEM_UNCLAIMED]: () => _("gave the review back to the queue"),
  };
}

export class History {
  constructor(panel) {
    const config = panel.config;
    this.list = panel.$("history-list");
    this.sentences = sentences(config.events, (s) => config.state_labels[s] || s);
  }

  describe(e) {
    const sentence = Object.hasOwn(this.sentences, e.type) ? this.sentences[e.type] : null;
    return sentence ? sentence(e.payload || {}) : e.type;
  }

  clear() { this.list.replaceChildren(); }

  render(events) {
    const nodes = [...events].reverse().map((e) => {
      const c = e.payload?.comment;
      const extra = (typeof c === "string" ? c : c?.body) || e.payload?.review?.comment || "";
      return el("li", {},
        el("p", {}, el("strong", { text: e.actor?.display_name || "Relais" }), " ", this.describe(e)),
        extra ? el("blockquote", { text: extra }) : null,
        el("time", { class: "muted", datetime: e.created_at, text: localDate(e.created_at) }));
    });
    this.list.replaceChildren(...nodes);
  }
}
