/** Saving the panel's form: a PATCH with the version the draft is based on; a 409 opens the
 * conflict view, other refusals are shown field by field. */
import { announce, problemMessage, toast } from "../../dom.js";
import { ApiError, patch } from "../../http.js";
import { _ } from "../../i18n.js";
import { dropDraft } from "./draft.js";
import { changesOf, FIELD_LABELS } from "./fields.js";

export async function save(panel) {
  if (!panel.item) return;
  const changes = changesOf(panel.form, panel.item);
  if (!Object.keys(changes).length) { announce(_("Nothing to save.")); return; }
  const button = panel.$("edit-save");
  button.disabled = true;
  panel.$("edit-error").hidden = true;
  try {
    const item = await patch(`/api/v1/items/${panel.item.id}`, changes, { "If-Match": `"${panel.item.version}"` });
    dropDraft(item.id);
    panel.conflict.clear();
    panel.$("panel-changed").hidden = true;
    panel.$("draft-note").hidden = true;
    panel.show(item);
    panel.cards.upsert(item);
    panel.loadExtras(item.id);
    announce(_("Changes saved."));
    toast(_("Changes saved."), { kind: "ok", timeout: 2500 });
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

function fieldErrors(panel, err) {
  const errors = err.problem?.errors || {};
  const lines = Object.entries(errors).map(([name, msgs]) =>
    `${FIELD_LABELS[name] || name} : ${[].concat(msgs).flat().join(" ")}`);
  panel.notice("edit-error", [problemMessage(err, "Enregistrement"), ...lines].join(" — "));
}
