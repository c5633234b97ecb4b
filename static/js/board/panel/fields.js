/** The panel's form and the item's editable fields: read, write, compare. */
import { _ } from "../../i18n.js";
import { fromLocalInput, toLocalInput } from "../due.js";

export const FIELDS = ["title", "resource_type", "summary", "body", "resource_url", "audience", "labels", "assignees",
  "due_at", "licence_end"];
export const FIELD_LABELS = {
  title: _("Title"), resource_type: _("Resource type"), summary: _("Summary"), body: _("Description"),
  resource_url: _("Link"), audience: _("Audience"), labels: _("Labels"), assignees: _("Assignees"), channel: _("Channel"),
  due_at: _("Due (to be ready by)"), licence_end: _("End of the licence"),
  cover_attachment_id: _("the cover"),
};

const labelName = (label) => (typeof label === "object" ? label.name : label);
const splitNames = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
const sortedUnique = (names) => [...new Set(names)].sort((a, b) => a.localeCompare(b));

/** The editable fields of an item, as the form holds them (strings and sorted lists;
 * labels by name: the panel offers the group's labels and creates new ones by name). */
export function fieldsOf(item) {
  return {
    title: item.title || "", resource_type: item.resource_type || "", summary: item.summary || "",
    body: item.body || "", resource_url: item.resource_url || "", audience: item.audience || "",
    labels: sortedUnique((item.labels || []).map(labelName)),
    assignees: (item.assignees || []).map((u) => u.username).sort(),
    due_at: toLocalInput(item.due_at), licence_end: item.licence_end || "",
  };
}

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function readForm(form) {
  const f = form.elements;
  const checked = [...form.querySelectorAll('input[name="labels"]:checked')].map((o) => o.value);
  return {
    title: f.title.value, resource_type: f.resource_type.value, summary: f.summary.value, body: f.body.value,
    resource_url: f.resource_url.value.trim(), audience: f.audience.value,
    labels: sortedUnique([...checked, ...splitNames(f.new_labels.value)]),
    assignees: [...form.querySelectorAll('input[name="assignees"]:checked')].map((o) => o.value).sort(),
    due_at: f.due_at.value, licence_end: f.licence_end.value,
  };
}

export function writeForm(form, values) {
  const f = form.elements;
  for (const name of FIELDS) {
    if (name === "assignees") {
      for (const box of form.querySelectorAll('input[name="assignees"]')) box.checked = values.assignees.includes(box.value);
    } else if (name === "labels") {
      const names = [].concat(values.labels || []).map(labelName);
      const boxes = [...form.querySelectorAll('input[name="labels"]')];
      for (const box of boxes) box.checked = names.includes(box.value);
      const offered = new Set(boxes.map((b) => b.value));
      f.new_labels.value = names.filter((n) => !offered.has(n)).join(", ");
    } else {
      f[name].value = values[name] ?? "";
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
    if (name === "resource_url") out.resource_url = draft.resource_url || null;
    else if (name === "due_at") out.due_at = fromLocalInput(draft.due_at);
    else if (name === "licence_end") out.licence_end = draft.licence_end || null;
    else out[name] = draft[name];
  }
  return out;
}
