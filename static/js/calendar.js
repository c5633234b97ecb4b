/** The publication calendar: FullCalendar (month, week, list) fed by /api/v1/calendar,
 * drag to reschedule, drag approved items from the side list to schedule them, and live
 * updates through the boards' Socket.IO events. A drop onto a day the page knows is full or
 * closed is refused before it is sent; the server checks every rule again, and a refusal is
 * shown with its message and the next free slot. This module wires the parts of calendar/
 * together. */
import { announce, hideToast, localDate, problemMessage, toast } from "./dom.js";
import { get, post } from "./http.js";
import { _, locale, ngettext } from "./i18n.js";
import { bindDialog, openItem } from "./calendar/dialog.js";
import { bindFeeds } from "./calendar/feeds.js";
import { followBoards } from "./calendar/live.js";
import { dayMarks, everywhereRefusal, learn, nextFreeSlot, refusal, refusalText } from "./calendar/capacity.js";
import { askChannel } from "./calendar/channel-choice.js";
import { eventContent, eventDidMount, toEvent } from "./calendar/events.js";
import { channelName, dropTime, filters, isoDay, itemsById, query } from "./calendar/page.js";
import { list, loadUnscheduled } from "./calendar/unscheduled.js";

const FullCalendar = window.FullCalendar;

// ------------------------------------------------------------------ events from the API

let fetches = 0;
async function loadEvents(info, success, failure) {
  const ticket = ++fetches;
  try {
    const data = await get(`/api/v1/calendar?${query({ from: isoDay(info.start), to: isoDay(info.end), ...filters })}`);
    success(data.items.map(toEvent));
    if (ticket !== fetches) return; // an older window answering late: its days are not the ones shown
    learn(data);
    calendar.getEventSourceById("day-marks")?.refetch();
  } catch (err) {
    toast(problemMessage(err, _("Loading the calendar")));
    failure(err);
  }
}

/** The days' marks, from what the last fetch learned (none in the list view: it lists publications). */
function loadMarks(_info, success) {
  success(calendar?.view.type.startsWith("list") ? [] : dayMarks());
}

// ------------------------------------------------------------------ scheduling

/** Show a refusal; when there is a free slot, a button books it. */
function refuse(text, item, slot, channel) {
  toast(text);
  const action = document.getElementById("toast-action");
  action.hidden = !slot;
  if (slot) {
    action.textContent = _("Schedule on %(when)s", { when: localDate(new Date(slot).toISOString()) });
    action.onclick = () => { action.hidden = true; schedule(item, new Date(slot), channel); };
  }
}

/** Ask the server to (re)schedule; on refusal show the rule and offer the next free slot. */
async function schedule(item, when, channel, { revert } = {}) {
  try {
    const saved = await post(`/api/v1/items/${item.id}/schedule`,
      { scheduled_at: when.toISOString(), channel, version: item.version });
    itemsById.set(saved.id, { ...item, ...saved });
    hideToast();
    announce(_("“%(title)s” scheduled on %(when)s on %(channel)s.",
      { title: saved.title, when: localDate(saved.scheduled_at), channel: channelName(channel) }));
    refresh();
    return true;
  } catch (err) {
    if (revert) revert();
    refuse(problemMessage(err, _("Scheduling")), item, err.problem?.next_free_slot, channel);
    if (err.status === 409 && err.problem?.current) itemsById.set(item.id, err.problem.current);
    refresh();
    return false;
  }
}

/** A drop: refused on the spot when the day is full or closed for the item's channel (or for
 * every channel when it has none); an item without a channel asks for one; then the server
 * decides. */
async function place(item, when, { revert } = {}) {
  const channel = item.channel?.slug || filters.channel;
  if (!channel) {
    const everywhere = everywhereRefusal(item, when);
    if (everywhere) {
      revert?.();
      refuse(refusalText(everywhere));
      return false;
    }
    const chosen = await askChannel(item, when);
    if (!chosen) { revert?.(); return false; }
    return schedule(item, chosen.when, chosen.channel, { revert });
  }
  const refused = refusal(item, when, channel);
  if (refused) {
    revert?.();
    const slot = nextFreeSlot(item, when, channel);
    refuse(refusalText(refused.text, slot), item, slot, channel);
    return false;
  }
  return schedule(item, when, channel, { revert });
}

bindDialog(schedule);

// ------------------------------------------------------------------ the calendar

// FullCalendar's French locale names its buttons but not their hints (title, read out by
// screen readers): without these they would be in English ("Previous month").
const PREVIOUS = { month: _("Previous month"), week: _("Previous week"), day: _("Previous day") };
const NEXT = { month: _("Next month"), week: _("Next week"), day: _("Next day") };
const CURRENT = { month: _("This month"), week: _("This week"), day: _("Today") };

/** The toolbar's arrows are icons (<span role="img">) inside buttons that carry the name:
 * hide the icons from assistive technologies so the button's hint is what is read. */
function hideToolbarIcons() {
  for (const icon of calendarEl.querySelectorAll(".fc-toolbar .fc-icon[role=img]")) {
    icon.setAttribute("aria-hidden", "true");
  }
}

const calendarEl = document.getElementById("calendar");
let calendar = null;
calendar = new FullCalendar.Calendar(calendarEl, {
  locale,
  timeZone: "local",
  // A phone shows the list: a month grid of 7 columns does not fit 390 px readably.
  initialView: window.matchMedia("(max-width: 640px)").matches ? "listMonth" : "dayGridMonth",
  headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listMonth" },
  buttonText: { listMonth: _("list") },
  buttonHints: {
    prev: (_text, unit) => PREVIOUS[unit] || PREVIOUS.month,
    next: (_text, unit) => NEXT[unit] || NEXT.month,
    today: (_text, unit) => CURRENT[unit] || CURRENT.day,
  },
  viewHint: (text) => _("%(view)s view", { view: text }),
  moreLinkHint: (n) => ngettext("Show %(num)s more publication", "Show %(num)s more publications", n),
  closeHint: _("Close"),
  datesSet: () => { hideToolbarIcons(); calendar?.getEventSourceById("day-marks")?.refetch(); },
  // A day cell is named by its day number (aria-labelledby) while it also shows that day's
  // publications: its name would not match what is seen. Let it be named by its content.
  dayCellDidMount: (info) => info.el.removeAttribute("aria-labelledby"),
  height: "auto",
  nowIndicator: true,
  scrollTime: "08:00:00",
  dayMaxEvents: 5,
  eventDisplay: "block",
  eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
  displayEventEnd: false, // a publication is an instant: its time, not a range to its drawn end
  editable: true,
  eventDurationEditable: false,
  droppable: Boolean(list),
  eventSources: [{ id: "items", events: loadEvents }, { id: "day-marks", events: loadMarks }],
  eventContent,
  eventDrop: (info) => {
    const item = itemsById.get(info.event.extendedProps.itemId);
    place(item, dropTime(info.event.start, info.event.allDay), { revert: info.revert });
  },
  drop: (info) => {
    const item = itemsById.get(Number(info.draggedEl.dataset.itemId));
    if (item) place(item, dropTime(info.date, info.allDay));
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    if (info.event.extendedProps.itemId) openItem(info.event.extendedProps.itemId);
  },
  eventDidMount,
});
calendar.render();
hideToolbarIcons();

if (list) {
  new FullCalendar.Draggable(list, {
    itemSelector: ".unscheduled-item",
    eventData: (node) => ({ title: node.querySelector(".u-title")?.textContent || "", create: false, duration: "00:30" }),
  });
  list.addEventListener("click", (e) => {
    const button = e.target.closest(".u-open");
    if (button) openItem(Number(button.dataset.itemId));
  });
  list.addEventListener("keydown", (e) => {
    const row = e.target.closest(".unscheduled-item");
    if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); openItem(Number(row.dataset.itemId)); }
  });
}

let refreshTimer = null;
/** Refetch the visible window and the side list (coalesced: a burst of events costs one fetch). */
function refresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { calendar.refetchEvents(); loadUnscheduled(); }, 80);
}

document.getElementById("calendar-filters").addEventListener("change", (e) => {
  if (!(e.target.name in filters)) return;
  filters[e.target.name] = e.target.value;
  refresh();
});
for (const swatch of document.querySelectorAll(".legend .swatch[data-color]")) {
  swatch.style.backgroundColor = swatch.dataset.color;
}
document.getElementById("toast-close").addEventListener("click", hideToast);

bindFeeds();
followBoards(refresh);
loadUnscheduled();
window.relaisCalendar = { calendar, refresh, itemsById };
import("./calendar/due.js").then((due) => due.addDueMarkers(calendar));  // due dates (calendar/due.js)
