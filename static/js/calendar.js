/** The publication calendar: FullCalendar (month, week, list) fed by /api/v1/calendar,
 * drag to reschedule, drag approved items from the side list to schedule them, and live
 * updates through the boards' Socket.IO events. Rules are checked by the server: a refusal
 * is shown with its message and the next free slot it proposes. */
import { io } from "../vendor/socket.io/socket.io.esm.min.js";
import { announce, el, hideToast, localDate, problemMessage, toast } from "./dom.js";
import { get, post } from "./http.js";
import { followHeads } from "./heads.js";
import { _, locale, ngettext } from "./i18n.js";

const page = JSON.parse(document.getElementById("calendar-data").textContent);
const FullCalendar = window.FullCalendar;
const filters = { group: "", channel: "", type: "" };
const itemsById = new Map();
const LIVE_EVENTS = ["item.scheduled", "item.published", "item.moved", "item.transitioned", "item.updated",
  "item.deleted", "item.restored", "review.created"];

const canSchedule = (groupId) => page.can_schedule_all || page.lead_group_ids.includes(groupId);
const channelName = (slug) => page.channels.find((c) => c.slug === slug)?.name || slug;
const defaultChannel = (item) => item.channel?.slug || filters.channel || page.channels[0]?.slug;

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  return q.toString();
}

/** A local date (YYYY-MM-DD) of a Date as FullCalendar gives it (browser time zone). */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ------------------------------------------------------------------ events from the API

function toEvent(item) {
  const published = item.state === "published";
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

/** Where a drop lands: the time under the pointer, or the default hour on a whole day. */
function dropTime(date, allDay) {
  if (!allDay) return date;
  const at = new Date(date);
  at.setHours(page.default_hour, 0, 0, 0);
  return at;
}

// ------------------------------------------------------------------ the side list

const list = document.getElementById("unscheduled-list");
let listSignature = null;

async function loadUnscheduled() {
  if (!list) return;
  try {
    const items = (await get(`/api/v1/calendar/unscheduled?${query(filters)}`)).filter((i) => canSchedule(i.group_id));
    // Unchanged list: keep the nodes (someone may be dragging one of them right now).
    const signature = items.map((i) => `${i.id}:${i.version}`).join(",");
    if (signature === listSignature) return;
    listSignature = signature;
    const rows = items.map((item) => {
      itemsById.set(item.id, item);
      const swatch = el("span", { class: "swatch" });
      swatch.style.backgroundColor = item.group_color;
      return el("li", { class: "unscheduled-item", dataset: { itemId: item.id }, tabindex: "0" },
        el("span", { class: "u-title" }, swatch, item.title),
        el("span", { class: "u-meta muted" }, `${item.group_name} · ${page.type_labels[item.resource_type] || item.resource_type}`
          + (item.channel ? ` · ${item.channel.name}` : "")),
        el("button", { type: "button", class: "link-button u-open", dataset: { itemId: item.id } }, _("Schedule…")));
    });
    list.replaceChildren(...rows);
    document.getElementById("unscheduled-count").textContent = `(${rows.length})`;
    document.getElementById("unscheduled-empty").hidden = rows.length > 0;
  } catch (err) {
    toast(problemMessage(err, _("Loading the items to schedule")));
  }
}

// ------------------------------------------------------------------ the item dialog

const dialog = document.getElementById("item-dialog");
let dialogItem = null;

function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${isoDay(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function openItem(itemId) {
  const item = itemsById.get(itemId);
  if (!item) return;
  dialogItem = item;
  const when = item.state === "published" ? item.published_at : item.scheduled_at;
  document.getElementById("item-dialog-title").textContent = item.title;
  const state = item.state === "published" ? _("Published") : item.state === "scheduled" ? _("Scheduled") : _("Approved");
  document.getElementById("item-meta").textContent = [
    when ? _("%(state)s on %(when)s", { state, when: localDate(when) }) : state, item.group_name,
    item.channel?.name, page.type_labels[item.resource_type]].filter(Boolean).join(" · ");
  document.getElementById("item-summary").textContent = item.summary || "";
  const resource = document.getElementById("item-resource");
  resource.hidden = !item.resource_url;
  if (item.resource_url) resource.href = item.resource_url;
  document.getElementById("item-board-link").href = `/groups/${item.group_id}/board`;
  const editable = item.state !== "published" && canSchedule(item.group_id);
  document.getElementById("schedule-fields").hidden = !editable;
  document.getElementById("schedule-submit").hidden = !editable;
  document.getElementById("dialog-error").hidden = true;
  if (editable) {
    const start = when ? new Date(when) : dropTime(new Date(Date.now() + 86400000), true);
    document.getElementById("schedule-at").value = toLocalInput(start);
    document.getElementById("schedule-channel").value = defaultChannel(item);
  }
  dialog.showModal();
}

document.getElementById("schedule-submit").addEventListener("click", async () => {
  const value = document.getElementById("schedule-at").value;
  const when = value ? new Date(value) : null;
  if (!when || Number.isNaN(when.getTime())) {
    const box = document.getElementById("dialog-error");
    box.textContent = "Choisissez une date et une heure.";
    box.hidden = false;
    return;
  }
  if (await schedule(dialogItem, when, document.getElementById("schedule-channel").value)) dialog.close();
});

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
    const state = item.state === "published" ? _("published") : _("scheduled");
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

// ------------------------------------------------------------------ feeds

document.getElementById("copy-ical").addEventListener("click", async () => {
  const input = document.getElementById("ical-url");
  input.select();
  try { await navigator.clipboard.writeText(input.value); toast(_("Address copied."), { kind: "ok", timeout: 3000 }); }
  catch { toast(_("Copy the selected address with Ctrl+C."), { kind: "ok", timeout: 5000 }); }
});
document.getElementById("regenerate-ical").addEventListener("click", async () => {
  if (!window.confirm(_("Create a new address? The old one will stop working in your calendars."))) return;
  try {
    const data = await post("/api/v1/me/feed-token", {});
    document.getElementById("ical-url").value = data.ical_url;
    toast(_("New address created: update it in your calendar."), { kind: "ok", timeout: 5000 });
  } catch (err) {
    toast(problemMessage(err, _("New address")));
  }
});

// ------------------------------------------------------------------ live

const status = document.getElementById("connection");
const STATUS_TEXT = { online: _("Live"), offline: _("Offline — reconnecting…"), connecting: _("Connecting…") };
function setStatus(s) { status.dataset.status = s; status.textContent = STATUS_TEXT[s] || s; }

const socket = io({ transports: ["websocket", "polling"], withCredentials: true });
const heads = followHeads(socket, refresh);
socket.on("connect", async () => {
  await Promise.all(page.groups.map((g) => new Promise((resolve) => {
    socket.timeout(8000).emit("join", { group_id: g.id, watch: true }, (err, ack) => {
      if (!err && ack?.ok) heads.learn(g.id, ack.seq);
      resolve();
    });
  })));
  setStatus("online");
  refresh(); // catch up on whatever happened while disconnected
});
socket.on("disconnect", () => setStatus("offline"));
socket.on("connect_error", () => setStatus("offline"));
for (const type of LIVE_EVENTS) socket.on(type, refresh);

loadUnscheduled();
window.relaisCalendar = { calendar, refresh, itemsById };
