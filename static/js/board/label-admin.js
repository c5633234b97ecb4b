/** The leads' section of the board page that manages the group's labels: rename, recolour,
 * delete, add. Each change goes through the API; the board (this one and every other open
 * one) follows from the live label event, so this list only redraws from it. */
import { announce, el, problemMessage, toast } from "../dom.js";
import { patch, post, request } from "../http.js";
import { _ } from "../i18n.js";
import { applyLabelEvent, chip, sortedLabels } from "./labels.js";
import { config } from "./page.js";

const list = document.getElementById("label-admin");

function colorSelect(id, value) {
  const select = el("select", { id, name: "color" });
  for (const entry of config.palette || []) select.append(new Option(entry.name, entry.color, false, entry.color === value));
  return select;
}

function row(label) {
  const nameId = `label-name-${label.id}`;
  const colorId = `label-color-${label.id}`;
  const form = el("form", { class: "label-row", dataset: { labelId: label.id } },
    chip(label, "span"),
    el("label", { for: nameId, class: "visually-hidden", text: _("Name of the label") }),
    el("input", { id: nameId, name: "name", value: label.name, maxlength: "40", required: true }),
    el("label", { for: colorId, class: "visually-hidden", text: _("Colour") }),
    colorSelect(colorId, label.color),
    el("button", { type: "submit", class: "secondary small", text: _("Save") }),
    el("button", { type: "button", class: "danger small", dataset: { action: "delete" },
      text: _("Delete"), "aria-label": _("Delete the label “%(name)s”", { name: label.name }) }));
  return el("li", {}, form);
}

function render() {
  if (!list) return;
  const labels = sortedLabels();
  list.replaceChildren(...(labels.length ? labels.map(row)
    : [el("li", { class: "muted", text: _("No label yet.") })]));
}

async function saveRow(form) {
  const id = Number(form.dataset.labelId);
  try {
    const label = await patch(`/api/v1/labels/${id}`, { name: form.elements.name.value.trim(), color: form.elements.color.value });
    applyLabelEvent({ label });
    announce(_("Label “%(name)s” saved.", { name: label.name }));
  } catch (err) {
    toast(problemMessage(err, _("Saving the label")));
  }
}

async function deleteRow(form) {
  const id = Number(form.dataset.labelId);
  const name = form.elements.name.defaultValue;
  if (!window.confirm(_("Delete the label “%(name)s”? The cards carrying it lose it.", { name }))) return;
  try {
    const label = await request("DELETE", `/api/v1/labels/${id}`);
    applyLabelEvent({ label, deleted: true });
    announce(_("Label “%(name)s” deleted.", { name }));
  } catch (err) {
    toast(problemMessage(err, _("Deleting the label")));
  }
}

export function bindLabelAdmin() {
  if (!list) return;
  render();
  document.addEventListener("relais:labels", render);
  list.addEventListener("submit", (e) => { e.preventDefault(); saveRow(e.target); });
  list.addEventListener("click", (e) => {
    if (e.target.closest('[data-action="delete"]')) deleteRow(e.target.closest("form"));
  });
  const create = document.getElementById("label-new-form");
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const label = await post(`/api/v1/groups/${config.group_id}/labels`,
        { name: create.elements.name.value.trim(), color: create.elements.color.value });
      applyLabelEvent({ label });
      create.reset();
      announce(_("Label “%(name)s” added.", { name: label.name }));
    } catch (err) {
      toast(problemMessage(err, _("Adding the label")));
    }
  });
}
