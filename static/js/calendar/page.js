/** What the calendar's modules share: the page's config (calendar-data), the items seen so
 * far, the filters, and who may schedule what. */
export const page = JSON.parse(document.getElementById("calendar-data").textContent);
export const itemsById = new Map();
export const filters = { group: "", channel: "", type: "" };

export const isPublished = (item) => item.state === page.states.PUBLISHED;
export const canSchedule = (groupId) => page.can_schedule_all || page.lead_group_ids.includes(groupId);
export const channelName = (slug) => page.channels.find((c) => c.slug === slug)?.name || slug;
export const defaultChannel = (item) => item.channel?.slug || filters.channel || page.channels[0]?.slug;

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

/** A local date (YYYY-MM-DD) of a Date as FullCalendar gives it (browser time zone). */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Where a drop lands: the time under the pointer, or the default hour on a whole day. */
export function dropTime(date, allDay) {
  if (!allDay) return date;
  const at = new Date(date);
  at.setHours(page.default_hour, 0, 0, 0);
  return at;
}
