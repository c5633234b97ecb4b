/** The panel's review rounds: who submitted, what changed since the previous decision (a
 * line diff), who decided what. */
import { el, localDate } from "../../dom.js";
import { _ } from "../../i18n.js";
import { FIELD_LABELS } from "./fields.js";
import { DECISIONS } from "./review.js";

// A diff line: added (+), removed (−) or kept; the sign is shown too, not only the colour.
const DIFF_CLASS = { "+": "diff-add", "-": "diff-del", " ": "diff-same" };
const DIFF_SIGN = { "+": "+ ", "-": "− ", " ": "  " };

function changesNode(r) {
  if (!r.changes?.length) {
    return el("p", { class: "round-changes muted", text: r.round === 1 ? _("First submission.")
      : _("No change to the content since the previous decision.") });
  }
  return el("details", { class: "round-changes", open: r.open },
    el("summary", { text: _("What changed: %(fields)s", { fields: r.changes.map((c) => FIELD_LABELS[c.field] || c.label || c.field).join(", ") }) }),
    ...r.changes.map((c) => el("div", { class: "diff" },
      el("p", { class: "diff-field", text: FIELD_LABELS[c.field] || c.label || c.field }),
      el("pre", { class: "diff-lines" }, ...(c.lines || []).map((line) => el("span", {
        class: DIFF_CLASS[line.op] || "diff-same", text: `${DIFF_SIGN[line.op] || "  "}${line.text}` }))))));
}

/** The rounds as list items, newest first. */
export function roundNodes(rounds) {
  return [...rounds].reverse().map((r) => el("li", { class: r.open ? "round open" : "round", dataset: { round: r.round } },
    el("h4", { text: _("Round %(num)s", { num: r.round }) + (r.open ? " · " + _("in progress") : "") }),
    el("p", { class: "round-submit muted", text: r.submitted_by
      ? _("Submitted by %(name)s on %(when)s", { name: r.submitted_by.display_name, when: localDate(r.submitted_at) })
      : _("Submitted for review") }),
    changesNode(r),
    el("ul", { class: "round-decisions" }, ...(r.decisions.length ? r.decisions.map((d) => el("li",
      { class: `decision decision-${d.decision}` },
      el("p", {}, el("strong", { text: d.reviewer?.display_name || "?" }), " · ",
        el("span", { class: "decision-name", text: DECISIONS[d.decision] || d.decision }), " · ",
        el("time", { class: "muted", datetime: d.created_at, text: localDate(d.created_at) })),
      d.comment ? el("blockquote", { text: d.comment }) : null))
      : [el("li", { class: "muted", text: r.open ? _("Waiting for a decision.") : _("No decision.") })]))));
}
