/** The panel's form and the item's editable fields: read, write, compare. */
import { _ } from "../../i18n.js";

export const FIELDS = ["title", "resource_type", "summary", "body", "resource_url", "audience", "labels", "assignees"];
export const FIELD_LABELS = {
  title: _("Title"), resource_type: _("Resource type"), summary: _("Summary"), body: _("Description"),
  resource_url: _("Link"), audience: _("Audience"), labels: _("Labels"), assignees: _("Assignees"), channel: _("Channel"),
};

/** The editable fields of an item, as the form holds them (strings and sorted lists). */
export function fieldsOf(item) {
  return {
    title: item.title || "", resource_type: item.resource_type || "", summary: item.summary || "",
    body: item.body || "", resource_url: item.resource_url || "", audience: item.audience || "",
    labels: (item.labels || []).join(", "), assignees: (item.assignees || []).map((u) => u.username).sort(),
  };
}

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function readForm(form) {
  const f = form.elements;
  return {
    title: f.title.value, resource_type: f.resource_type.value, summary: f.summary.value, body: f.body.value,
    resource_url: f.resource_url.value.trim(), audience: f.audience.value, labels: f.labels.value,
    assignees: [...form.querySelectorAll('input[name="assignees"]:checked')].map((o) => o.value).sort(),
  };
}

export function writeForm(form, values) {
  const f = form.elements;
  for (const name of FIELDS) {
    if (name === "assignees") {
      for (const box of form.querySelectorAll('input[name="assignees"]')) box.checked = values.assignees.includes(box.value);
    } else {
      f[name].value = values[name];
    }
  }
}

/** What the form changes compared with ``base`` (the API's PATCH body). */
export function changesOf(form, base) {
  const draft = readForm(form);
  const before = fieldsOf(base);
  const out = {};
  for (const name of FIELDS) {
    if (same(draft[name], before[name])) continue;
    if (name === "labels") out.labels = draft.labels.split(",").map((s) => s.trim()).filter(Boolean);
    else if (name === "resource_url") out.resource_url = draft.resource_url || null;
    else out[name] = draft[name];
  }
  return out;
}
