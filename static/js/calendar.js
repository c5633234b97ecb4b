/** The publication calendar: FullCalendar (month, week, list) fed by /api/v1/calendar,
 * drag to reschedule, drag approved items from the side list to schedule them, and live
 * updates through the boards' Socket.IO events. Rules are checked by the server: a refusal
 * is shown with its message and the next free slot it proposes. This module wires the parts
 * of calendar/ together. */
import { announce, hideToast, localDate, problemMessage, toast } from "./dom.js";
import { get, post } from "./http.js";
import { _, locale, ngettext } from "./i18n.js";
import { bindDialog, openItem } from "./calendar/dialog.js";
import { bindFeeds } from "./calendar/feeds.js";
import { followBoards } from "./calendar/live.js";
import { canSchedule, channelName, defaultChannel, dropTime, filters, isoDay, isPublished, itemsById, query }
  from "./calendar/page.js";
import { list, loadUnscheduled } from "./calendar/unscheduled.js";

const FullCalendar = window.FullCalendar;

// ------------------------------------------------------------------ events from the API

function toEvent(item) {
  const published = isPublished(item);
  const start = published ? item.published_at : item.scheduled_at;
  itemsById.set(item.id, item);
  return {
    id: String(item.id),
    title: item.title,
    start,
    allDay: false,
    backgroundColor: item.group_color,
    borderColor: item.group_color,
    classNames: [published ? "is-published" : "is-scheduled"],
    editable: !published && canSchedule(item.group_id),
    extendedProps: { itemId: item.id },
  };
}

function dayMarks(capacity) {
  const marks = [];
  for (const [day, perChannel] of Object.entries(capacity || {})) {
    const channels = Object.entries(perChannel);
    const closed = channels.filter(([, c]) => c.blackout);
    const full = channels.filter(([, c]) => !c.blackout && c.remaining === 0);
    if (closed.length && closed.length === channels.length) {
      const reason = closed[0][1].blackout.reason;
      marks.push({ start: day, allDay: true, display: "background", classNames: ["day-closed"],
        title: reason ? _("Closed — %(reason)s", { reason }) : _("Closed") });
    } else if (full.length && full.length + closed.length === channels.length) {
      marks.push({ start: day, allDay: true, display: "background", classNames: ["day-full"], title: _("Full") });
    }
  }
  return marks;
}

async function loadEvents(info, success, failure) {
  try {
    const data = await get(`/api/v1/calendar?${query({ from: isoDay(info.start), to: isoDay(info.end), ...filters })}`);
    success([...data.items.map(toEvent), ...dayMarks(data.capacity)]);
  } catch (err) {
    toast(problemMessage(err, _("Loading the calendar")));
    failure(err);
  }
}

// ------------------------------------------------------------------ scheduling

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
    const slot = err.problem?.next_free_slot;
    toast(problemMessage(err, _("Scheduling")));
    const action = document.getElementById("toast-action");
    action.hidden = !slot;
    if (slot) {
      action.textContent = _("Schedule on %(when)s", { when: localDate(slot) });
      action.onclick = () => { action.hidden = true; schedule(item, new Date(slot), channel); };
    }
    if (err.status === 409 && err.problem?.current) itemsById.set(item.id, err.problem.current);
    refresh();
    return false;
  }
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
const calendar = new FullCalendar.Calendar(calendarEl, {
  locale,
  timeZone: "local",
  initialView: "dayGridMonth",
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
  datesSet: hideToolbarIcons,
  // A day cell is named by its day number (aria-labelledby) while it also shows that day's
  // publications: its name would not match what is seen. Let it be named by its content.
  dayCellDidMount: (info) => info.el.removeAttribute("aria-labelledby"),
  height: "auto",
  nowIndicator: true,
  scrollTime: "08:00:00",
  dayMaxEvents: 4,
  eventDisplay: "block",
  eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
  editable: true,
  eventDurationEditable: false,
  droppable: Boolean(list),
  events: loadEvents,
  eventDrop: (info) => {
    const item = itemsById.get(info.event.extendedProps.itemId);
    schedule(item, dropTime(info.event.start, info.event.allDay), item.channel?.slug || defaultChannel(item),
      { revert: info.revert });
  },
  drop: (info) => {
    const item = itemsById.get(Number(info.draggedEl.dataset.itemId));
    if (item) schedule(item, dropTime(info.date, info.allDay), defaultChannel(item));
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    if (info.event.extendedProps.itemId) openItem(info.event.extendedProps.itemId);
  },
  eventDidMount: (info) => {
    const item = itemsById.get(info.event.extendedProps.itemId);
    if (!item) return;
    const state = isPublished(item) ? _("published") : _("scheduled");
    info.el.setAttribute("title", `${item.title} — ${item.group_name}, ${state}`
      + (item.channel ? " " + _("on %(channel)s", { channel: item.channel.name }) : ""));
    info.el.dataset.itemId = item.id;
    info.el.dataset.state = item.state;
  },
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
