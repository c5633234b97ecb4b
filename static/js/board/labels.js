/** The group's labels on the board: the coloured chips on cards (classes label-<colour>,
 * no inline style: the CSP forbids it), the label filter, the panel's choices, and the
 * live label events (created, renamed or recoloured, deleted) applied to all of them. */
import { el } from "../dom.js";
import { config, root } from "./page.js";

/** Every label this page knows, by id: {id, name, color}. */
export const known = new Map((config.labels || []).map((l) => [l.id, l]));

export const chip = (label, tag = "li") => el(tag, { class: `label label-${label.color}`,
  dataset: { labelId: label.id }, text: label.name });

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });

/** Insert ``node`` among ``parent``'s children keeping them in name order. */
function insertSorted(parent, node, name, nameOf) {
  const next = [...parent.children].find((c) => nameOf(c).localeCompare(name, undefined, { sensitivity: "base" }) > 0);
  parent.insertBefore(node, next || null);
}

function filterOption(label) {
  const option = new Option(label.name, String(label.id));
  option.className = `label-${label.color}`;
  option.dataset.color = label.color;
  return option;
}

function panelChoice(label) {
  return el("label", { class: "check label-choice" },
    el("input", { type: "checkbox", name: "labels", value: label.name, dataset: { labelId: label.id } }), " ",
    chip(label, "span"));
}

/** A label seen for the first time (created here, live, or on an item) joins the filter and the panel. */
export function learn(label) {
  if (!label?.id) return;
  const old = known.get(label.id);
  known.set(label.id, label);
  if (old) { if (old.name !== label.name || old.color !== label.color) redraw(label); return; }
  const select = document.getElementById("filter-label");
  if (select && ![...select.options].some((o) => o.value === String(label.id))) {
    const option = filterOption(label);
    const next = [...select.options].slice(1).find((o) => o.text.localeCompare(label.name) > 0);
    select.insertBefore(option, next || null);
  }
  const options = document.getElementById("edit-label-options");
  if (options && !options.querySelector(`input[data-label-id="${label.id}"]`)) {
    insertSorted(options, panelChoice(label), label.name, (c) => c.textContent.trim());
  }
  const names = document.getElementById("new-label-names");
  if (names) names.append(el("option", { value: label.name }));
}

/** The labels an item carries (as the API shows them) are known to the page. */
export function learnItemLabels(item) {
  for (const label of item?.labels || []) if (typeof label === "object") learn(label);
}

/** A label renamed or recoloured: every chip, option and choice of it follows. */
function redraw(label) {
  for (const node of document.querySelectorAll(`.label[data-label-id="${label.id}"]`)) {
    node.className = `label label-${label.color}`;
    node.textContent = label.name;
  }
  const option = document.querySelector(`#filter-label option[value="${label.id}"]`);
  if (option) { option.text = label.name; option.className = `label-${label.color}`; option.dataset.color = label.color; }
  const box = document.querySelector(`#edit-label-options input[data-label-id="${label.id}"]`);
  if (box) box.value = label.name;
}

/** A label deleted: it leaves the cards, the filter and the panel. */
function drop(label) {
  known.delete(label.id);
  for (const node of root.querySelectorAll(`.labels .label[data-label-id="${label.id}"]`)) {
    const card = node.closest(".card");
    node.remove();
    if (card) card.dataset.labels = card.dataset.labels.replace(`|${label.id}|`, "|");
  }
  document.querySelector(`#filter-label option[value="${label.id}"]`)?.remove();
  document.querySelector(`#edit-label-options input[data-label-id="${label.id}"]`)?.closest("label")?.remove();
}

/** A `label.*` board event (payload {label, deleted?}); true when it was one. */
export function applyLabelEvent(evt) {
  const label = evt?.label;
  if (!label?.id || evt.item) return false;
  if (evt.deleted) drop(label); else learn(label);
  document.dispatchEvent(new CustomEvent("relais:labels", { detail: { label, deleted: Boolean(evt.deleted) } }));
  return true;
}

export const sortedLabels = () => [...known.values()].sort(byName);
