/** The dialog of one item of the calendar: what it is, and (for who may) when and where to
 * schedule it. */
import { localDate } from "../dom.js";
import { _ } from "../i18n.js";
import { canSchedule, defaultChannel, dropTime, isoDay, isPublished, itemsById, page } from "./page.js";

const dialog = document.getElementById("item-dialog");
let dialogItem = null;

function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${isoDay(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function stateText(item) {
  if (isPublished(item)) return _("Published");
  return item.state === page.states.SCHEDULED ? _("Scheduled") : _("Approved");
}

export function openItem(itemId) {
  const item = itemsById.get(itemId);
  if (!item) return;
  dialogItem = item;
  const when = isPublished(item) ? item.published_at : item.scheduled_at;
  document.getElementById("item-dialog-title").textContent = item.title;
  const state = stateText(item);
  document.getElementById("item-meta").textContent = [
    when ? _("%(state)s on %(when)s", { state, when: localDate(when) }) : state, item.group_name,
    item.channel?.name, page.type_labels[item.resource_type]].filter(Boolean).join(" · ");
  document.getElementById("item-summary").textContent = item.summary || "";
  const resource = document.getElementById("item-resource");
  resource.hidden = !item.resource_url;
  if (item.resource_url) resource.href = item.resource_url;
  document.getElementById("item-board-link").href = `/groups/${item.group_id}/board`;
  const editable = !isPublished(item) && canSchedule(item.group_id);
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

/** ``schedule(item, when, channel)`` resolves to true when the server accepted it. */
export function bindDialog(schedule) {
  document.getElementById("schedule-submit").addEventListener("click", async () => {
    const value = document.getElementById("schedule-at").value;
    const when = value ? new Date(value) : null;
    if (!when || Number.isNaN(when.getTime())) {
      const box = document.getElementById("dialog-error");
      box.textContent = _("Choose a date and a time.");
      box.hidden = false;
      return;
    }
    if (await schedule(dialogItem, when, document.getElementById("schedule-channel").value)) dialog.close();
  });
}
