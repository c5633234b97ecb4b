/** "Mon travail": draws the sections of GET /api/v1/me/work (a heading with its count, a
 * list of entries, or a kind sentence when empty). User text only through textContent. */
import { el, localDate } from "../dom.js";
import { _, ngettext } from "../i18n.js";

// Each section's heading and what it says when empty, by its key in the JSON.
const TEXTS = {
  to_rework: () => [_("To rework"), _("Nothing to rework: none of your proposals was sent back.")],
  to_review: () => [_("To review"), _("Nothing to review for now.")],
  to_schedule: () => [_("To schedule"), _("Nothing to schedule: every approved item has a date.")],
  due: () => [_("Due dates"), _("No due date in the next 7 days.")],
  mentions: () => [_("Mentions"), _("No unread mention.")],
  followed: () => [_("Followed"), _("No news from the items you follow.")],
};

function person(p) {
  return p ? p.display_name || p.username : "";
}

/** What an entry says under its title, by section. */
function details(key, entry, stateLabel) {
  const item = entry.item;
  const parts = [el("span", { class: "work-group" }, entry.group.name),
    el("span", { class: "work-state" }, stateLabel(item.state))];
  const extra = [];
  if (key === "to_rework" && entry.review) {
    extra.push(el("p", { class: "work-note" },
      _("%(who)s asks for changes:", { who: person(entry.review.reviewer) })));
    if (entry.review.comment) extra.push(el("blockquote", { class: "work-quote" }, entry.review.comment));
  } else if (key === "to_review") {
    parts.push(el("span", {}, _("proposed by %(name)s", { name: person(item.author) })));
    parts.push(el("span", {}, entry.waited_working_days
      ? ngettext("waiting for %(num)s working day", "waiting for %(num)s working days", entry.waited_working_days)
      : _("submitted less than a working day ago")));
    if (entry.overdue) {
      parts.push(el("span", { class: "work-badge work-late" },
        ngettext("Overdue (limit: %(num)s working day)", "Overdue (limit: %(num)s working days)", entry.limit_days)));
    }
  } else if (key === "to_schedule") {
    parts.push(el("span", {}, _("proposed by %(name)s", { name: person(item.author) })));
  } else if (key === "due" && item.due_at) {
    parts.push(entry.overdue
      ? el("span", { class: "work-badge work-late" }, _("Overdue: was due %(when)s", { when: localDate(item.due_at) }))
      : el("span", {}, _("Due %(when)s", { when: localDate(item.due_at) })));
  } else if (entry.notification) {
    const note = entry.notification;
    parts.push(el("span", {}, localDate(note.created_at)));
    extra.push(el("p", { class: "work-note" }, note.title));
    if (note.body) extra.push(el("blockquote", { class: "work-quote" }, note.body));
  }
  return [el("p", { class: "work-meta muted" }, ...parts.flatMap((p, i) => (i ? [" · ", p] : [p]))), ...extra];
}

function entryNode(key, entry, stateLabel) {
  const item = entry.item;
  const overdue = entry.overdue ? " work-entry-late" : "";
  const link = el("a", { class: "work-link", href: entry.url, dataset: { itemId: item.id } }, item.title);
  if (entry.notification) link.dataset.notificationId = entry.notification.id;
  return el("li", { class: `work-entry${overdue}`, dataset: { itemId: item.id } },
    link, ...details(key, entry, stateLabel));
}

/** One section: ``<section>`` with its heading (title and count), then its list or its empty sentence. */
export function sectionNode(key, section, stateLabel) {
  const [title, empty] = TEXTS[key]();
  const id = `work-${key}`;
  const heading = el("h2", { id: `${id}-title`, class: "work-title" }, title, " ",
    el("span", { class: "work-count", "aria-label": ngettext("%(num)s entry", "%(num)s entries", section.count) },
      `(${section.count})`));
  const body = section.entries.length
    ? el("ul", { class: "work-list" }, ...section.entries.map((e) => entryNode(key, e, stateLabel)))
    : el("p", { class: "work-empty" }, empty);
  const node = el("section", { id, class: "work-section card", "aria-labelledby": `${id}-title`,
    dataset: { section: key, count: section.count } }, heading, body);
  if (section.count > section.entries.length) {
    node.append(el("p", { class: "muted" }, ngettext("… and %(num)s more.", "… and %(num)s more.",
      section.count - section.entries.length)));
  }
  return node;
}

/** Draw every section of ``work`` in ``order`` into ``container`` (sections absent from ``work`` are not shown). */
export function render(container, work, order, stateLabel) {
  container.replaceChildren(...order.filter((key) => work[key] && TEXTS[key])
    .map((key) => sectionNode(key, work[key], stateLabel)));
}
