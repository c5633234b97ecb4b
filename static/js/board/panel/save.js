/** Saving the panel's form: a PATCH with the version the draft is based on; a 409 opens the
 * conflict view, other refusals are shown field by field. */
import { announce, problemMessage } from "../../dom.js";
import { ApiError, patch } from "../../http.js";
import { _ } from "../../i18n.js";
import { dropDraft } from "./draft.js";
import { changesOf, FIELD_LABELS } from "./fields.js";
import { savedMessage } from "./sendback.js";
import { offerUndo } from "../undo.js";

export async function save(panel) {
  if (!panel.item) return;
  const changes = changesOf(panel.form, panel.item);
  if (!Object.keys(changes).length) { announce(_("Nothing to save.")); return; }
  const button = panel.$("edit-save");
  button.disabled = true;
  panel.$("edit-error").hidden = true;
  try {
    const before = panel.item;
    const item = await patch(`/api/v1/items/${panel.item.id}`, changes, { "If-Match": `"${panel.item.version}"` });
    dropDraft(item.id);
    panel.conflict.clear();
    panel.$("panel-changed").hidden = true;
    panel.$("draft-note").hidden = true;
    panel.show(item);
    panel.cards.upsert(item);
    panel.loadExtras(item.id);
    const message = savedMessage(before, item);
    announce(message);
    offerUndo(message, () => undoEdit(panel, before, item, Object.keys(changes)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && err.problem.current) {
      panel.conflict.show(err.problem.current);
    } else {
      fieldErrors(panel, err);
    }
  } finally {
    button.disabled = false;
  }
}

/** The fields ``names`` of ``item`` as the API takes them in a PATCH. */
function valuesOf(item, names) {
  const out = {};
  for (const name of names) {
    if (name === "labels") out.labels = (item.labels || []).map((lb) => (typeof lb === "object" ? lb.id : lb));
    else if (name === "assignees") out.assignees = (item.assignees || []).map((u) => u.username);
    else out[name] = item[name] ?? null;
  }
  return out;
}

/** Undo an edit: a PATCH putting back the previous values, sent with the version the edit made
 * (a change by anyone since refuses it). */
async function undoEdit(panel, before, after, names) {
  const item = await patch(`/api/v1/items/${after.id}`, valuesOf(before, names), { "If-Match": `"${after.version}"` });
  panel.cards.upsert(item);
  if (panel.openId === item.id && !panel.dirty()) { panel.show(item); panel.loadExtras(item.id); }
  return _("Edit undone: “%(title)s” is back as it was.", { title: item.title });
}

function fieldErrors(panel, err) {
  const errors = err.problem?.errors || {};
  const lines = Object.entries(errors).map(([name, msgs]) =>
    `${FIELD_LABELS[name] || name} : ${[].concat(msgs).flat().join(" ")}`);
  panel.notice("edit-error", [problemMessage(err, "Enregistrement"), ...lines].join(" — "));
}
