/** The side list of approved items not yet scheduled, which a person drags onto the calendar. */
import { el, problemMessage, toast } from "../dom.js";
import { get } from "../http.js";
import { _ } from "../i18n.js";
import { canSchedule, filters, itemsById, page, query } from "./page.js";

export const list = document.getElementById("unscheduled-list");
let listSignature = null;

export async function loadUnscheduled() {
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
