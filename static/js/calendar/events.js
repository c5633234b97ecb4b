/** How the calendar shows things: an item as a FullCalendar event (at its publication time
 * once published, else at its scheduled time), a day's per-channel badges, and each event's
 * full text as its tooltip and accessible name (a narrow month cell may wrap it). */
import { el, localDate } from "../dom.js";
import { _ } from "../i18n.js";
import { canSchedule, isPublished, itemsById } from "./page.js";

/** The one publication date of an item: when it was published, else when it is scheduled
 * (or the slot it holds while back in review). */
export const publicationDate = (item) => (isPublished(item) ? item.published_at : item.scheduled_at || item.held_slot_at);

/** A slot held by an item sent back to review: shown pending, not movable until approved again. */
export const isHeld = (item) => !isPublished(item) && !item.scheduled_at && Boolean(item.held_slot_at);

/** A publication (or a due date) is an instant, drawn an hour long — but never past the
 * end of its own local day: FullCalendar's default hour from 23:30 would also list it on
 * the next day, at 00:00, as if it were published twice. */
export function instantEnd(start) {
  const begin = new Date(start);
  const midnight = new Date(begin);
  midnight.setHours(24, 0, 0, 0);
  return new Date(Math.min(begin.getTime() + 60 * 60 * 1000, midnight.getTime()));
}

export function toEvent(item) {
  const published = isPublished(item);
  const held = isHeld(item);
  itemsById.set(item.id, item);
  const start = publicationDate(item);
  return {
    id: String(item.id),
    title: held ? _("Pending review · %(title)s", { title: item.title })
      : published ? _("✓ Published · %(title)s", { title: item.title }) : item.title,
    start,
    end: instantEnd(start),
    allDay: false,
    backgroundColor: item.group_color,
    borderColor: item.group_color,
    classNames: [published ? "is-published" : held ? "is-held" : "is-scheduled"],
    editable: !published && !held && canSchedule(item.group_id),
    extendedProps: { itemId: item.id },
  };
}

/** A day's badges ("Newsletter 2/2") in place of an event's usual time and title. */
export function eventContent(info) {
  const badges = info.event.extendedProps.badges;
  if (!badges) return true; // FullCalendar's own rendering
  return { domNodes: [el("span", { class: "capacity-badges" }, ...badges.map((b) =>
    el("span", { class: `capacity-badge is-${b.kind}`, dataset: { channel: b.slug }, title: b.hint, text: b.text })))] };
}

export function eventDidMount(info) {
  if (info.event.extendedProps.dayMark) {
    info.el.setAttribute("aria-label", info.event.title);
    info.el.removeAttribute("tabindex");
    return;
  }
  const item = itemsById.get(info.event.extendedProps.itemId);
  if (!item) return;
  const state = isPublished(item) ? _("published") : isHeld(item) ? _("slot held, back in review") : _("scheduled");
  const text = `${localDate(publicationDate(item))} ${item.title} — ${item.group_name}, ${state}`
    + (item.channel ? " " + _("on %(channel)s", { channel: item.channel.name }) : "");
  info.el.setAttribute("title", text);
  info.el.setAttribute("aria-label", text);
  info.el.dataset.itemId = item.id;
  info.el.dataset.state = item.state;
}
