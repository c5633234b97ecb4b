/** What the calendar knows of each day of the window it last fetched: per channel, how
 * many publications are booked and whether it is closed (the API's ``capacity``), and the
 * public holidays. It marks the days for every channel at once (a day closed or full
 * everywhere is shaded, each channel in use gets a badge "Newsletter 2/2") and checks a drop
 * before it is sent, so a full day is refused at once. The server checks again. */
import { localDate } from "../dom.js";
import { _, locale, ngettext } from "../i18n.js";
import { channelName, isoDay, isPublished, page } from "./page.js";

const SLOT_MINUTES = 15;
let days = new Map(); // "YYYY-MM-DD" → {slug: {daily_capacity, booked, remaining, blackout}}
let holidays = new Map(); // "YYYY-MM-DD" → name
const longDay = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" });

/** Keep what a fetch of /api/v1/calendar says (replacing the previous window). */
export function learn(data) {
  days = new Map(Object.entries(data.capacity || {}));
  holidays = new Map(Object.entries(data.holidays || {}));
}

/** The channel's state on ``day`` as known, or null when the last fetch did not cover it. */
function channelDay(day, slug) {
  return days.get(day)?.[slug] || null;
}

/** Publications booked on ``slug`` on ``day``, not counting ``item`` itself (it is moving). */
function bookedBesides(item, day, slug) {
  const known = channelDay(day, slug);
  if (!known) return null;
  const own = item && !isPublished(item) && item.scheduled_at && item.channel?.slug === slug
    && isoDay(new Date(item.scheduled_at)) === day;
  return known.booked - (own ? 1 : 0);
}

/** Why ``item`` cannot go on ``slug`` on the day of ``when`` ({rule, text}), or null if it
 * can as far as the page knows. */
export function refusal(item, when, slug) {
  const day = isoDay(when);
  const known = channelDay(day, slug);
  if (!known) return null;
  const params = { day: longDay.format(when), channel: channelName(slug) };
  if (known.blackout) return { rule: "blackout", text: _("%(day)s is a blackout date on channel '%(channel)s'.", params) };
  if (bookedBesides(item, day, slug) >= known.daily_capacity) {
    return { rule: "capacity",
      text: _("Channel '%(channel)s' is full on %(day)s (daily capacity %(capacity)s).",
        { ...params, capacity: known.daily_capacity }) };
  }
  return null;
}

/** The first quarter hour (:00, :15, :30, :45) at or after ``when``, in whole minutes. */
export function quarterHour(when) {
  const at = new Date(when);
  const exact = at.getSeconds() === 0 && at.getMilliseconds() === 0 && at.getMinutes() % SLOT_MINUTES === 0;
  at.setSeconds(0, 0);
  if (!exact) at.setMinutes((Math.floor(at.getMinutes() / SLOT_MINUTES) + 1) * SLOT_MINUTES);
  return at;
}

/** The same time (on the quarter hour) on the first day from ``when`` on where ``item`` fits
 * on ``slug``; null when no day of the known window has room. */
export function nextFreeSlot(item, when, slug) {
  const at = quarterHour(when);
  for (let i = 0; i < 400; i += 1) {
    const day = isoDay(at);
    if (!channelDay(day, slug)) return null;
    if (!refusal(item, at, slug)) return at;
    at.setDate(at.getDate() + 1);
  }
  return null;
}

/** Why ``item`` fits no channel on the day of ``when`` (every one known to be closed or
 * full), or null. */
export function everywhereRefusal(item, when) {
  if (!page.channels.length || !page.channels.every((c) => refusal(item, when, c.slug))) return null;
  return _("Every channel is full or closed on %(day)s.", { day: longDay.format(when) });
}

/** The sentence of a refusal seen on the page, with its next free slot when there is one. */
export function refusalText(reason, slot) {
  const lead = _("Cannot be scheduled here.");
  const next = slot ? " " + _("Next free slot: %(slot)s.", { slot: localDate(slot.toISOString()) }) : "";
  return `${lead} ${reason}${next}`;
}

function badge(slug, state) {
  const name = channelName(slug);
  if (state.blackout) {
    return { slug, kind: "closed", text: _("%(channel)s closed", { channel: name }),
      hint: state.blackout.reason ? _("Closed — %(reason)s", { reason: state.blackout.reason }) : _("Closed") };
  }
  const full = state.remaining === 0;
  return { slug, kind: full ? "full" : "booked",
    text: _("%(channel)s %(booked)s/%(capacity)s", { channel: name, booked: state.booked, capacity: state.daily_capacity }),
    hint: full ? _("Full") : ngettext("%(num)s place free", "%(num)s places free", state.remaining) };
}

/** The day marks of the known window, as FullCalendar events: a shade for a day closed or
 * full on every channel, a shade and a label for a public holiday, and one all-day row of
 * per-channel badges for each day that has a booking or a closure. */
export function dayMarks() {
  const marks = [];
  for (const [day, perChannel] of days) {
    const channels = Object.entries(perChannel);
    if (!channels.length) continue;
    const closed = channels.filter(([, c]) => c.blackout);
    const full = channels.filter(([, c]) => !c.blackout && c.remaining === 0);
    if (closed.length === channels.length) {
      const reason = closed[0][1].blackout.reason;
      marks.push({ start: day, allDay: true, display: "background", classNames: ["day-closed"],
        title: reason ? _("Closed — %(reason)s", { reason }) : _("Closed") });
      continue;
    }
    if (full.length + closed.length === channels.length) {
      marks.push({ start: day, allDay: true, display: "background", classNames: ["day-full"] });
    }
    const badges = channels.filter(([, c]) => c.blackout || c.booked > 0).map(([slug, c]) => badge(slug, c));
    if (badges.length) {
      marks.push({ id: `capacity-${day}`, start: day, allDay: true, display: "block", editable: false,
        classNames: ["day-capacity"], title: badges.map((b) => `${b.text} (${b.hint})`).join(", "),
        extendedProps: { badges, dayMark: true } });
    }
  }
  for (const [day, name] of holidays) {
    marks.push({ start: day, allDay: true, display: "background", classNames: ["day-holiday"],
      title: _("Public holiday — %(name)s", { name }) });
  }
  return marks;
}
