/** Due dates on the calendar ("à préparer pour le …"): a second source of events, markers
 * apart from the publications — outlined, not filled, and named in words ("To be ready",
 * "Overdue"), read-only (the date is changed in the card's panel), a click opens the card on
 * its board. Fed by /api/v1/calendar/due with the page's filters; refetched with the rest. */
import { problemMessage, toast } from "../dom.js";
import { get } from "../http.js";
import { _ } from "../i18n.js";
import { filters, isoDay, query } from "./page.js";
import { instantEnd } from "./events.js";

// Text on the marker passes 4.5:1 on its background (white: #7f1d1d is 9.9:1; red: white is 6.5:1).
const LOOK = {
  due: { backgroundColor: "#ffffff", textColor: "#7f1d1d", borderColor: "#b91c1c" },
  overdue: { backgroundColor: "#b91c1c", textColor: "#ffffff", borderColor: "#7f1d1d" },
};

function toMarker(item) {
  const overdue = item.due_status === "overdue";
  return {
    id: `due-${item.id}`,
    title: overdue ? _("Overdue — to be ready: %(title)s", { title: item.title })
      : _("To be ready: %(title)s", { title: item.title }),
    start: item.due_at,
    end: instantEnd(item.due_at),
    allDay: false,
    editable: false,
    classNames: ["is-due", overdue ? "is-overdue" : "is-due-later", `due-item-${item.id}`],
    ...LOOK[overdue ? "overdue" : "due"],
    extendedProps: { dueItemId: item.id, groupId: item.group_id },
  };
}

async function loadDue(info, success, failure) {
  const { group, type } = filters;  // a due date is not on a channel
  try {
    const data = await get(`/api/v1/calendar/due?${query({ from: isoDay(info.start), to: isoDay(info.end), group, type })}`);
    success(data.items.map(toMarker));
  } catch (err) {
    toast(problemMessage(err, _("Loading the due dates")));
    failure(err);
  }
}

/** Add the due-date markers to ``calendar`` (a FullCalendar.Calendar): each is an element
 * ``.fc-event.is-due.due-item-<id>`` (render hooks are the page's options; this module only
 * adds a source and a click handler, so the page stays as it is). */
export function addDueMarkers(calendar) {
  calendar.addEventSource({ id: "due-dates", events: loadDue });
  calendar.on("eventClick", (info) => {
    const { dueItemId, groupId } = info.event.extendedProps;
    if (dueItemId) window.location.assign(`/groups/${groupId}/board?item=${dueItemId}`);
  });
}
