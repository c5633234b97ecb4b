/** The panel's draft, kept on this device (localStorage) until it is saved. */
import { _ } from "../../i18n.js";
import { fieldsOf, readForm, writeForm } from "./fields.js";

const draftKey = (id) => `relais:draft:${id}`;

/** Forget the saved draft of item ``id``. */
export function dropDraft(id) {
  try { localStorage.removeItem(draftKey(id)); } catch { /* ignore */ }
}

export class Draft {
  constructor(panel) {
    this.panel = panel;
    this.timer = null;
  }

  changed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 250);
  }

  flush() {
    clearTimeout(this.timer);
    const { item, form } = this.panel;
    if (!item || form.hidden) return;
    try {
      if (this.panel.dirty()) {
        localStorage.setItem(draftKey(item.id),
          JSON.stringify({ base_version: item.version, fields: readForm(form), saved_at: Date.now() }));
        this.panel.$("draft-note").hidden = false;
      } else {
        localStorage.removeItem(draftKey(item.id));
        this.panel.$("draft-note").hidden = true;
      }
    } catch { /* storage full or disabled: the draft stays in the open form */ }
  }

  restore() {
    const panel = this.panel;
    if (panel.form.hidden) return;
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(draftKey(panel.item.id)) || "null"); } catch { saved = null; }
    if (!saved?.fields) return;
    writeForm(panel.form, { ...fieldsOf(panel.item), ...saved.fields });
    panel.$("draft-note").hidden = false;
    if (saved.base_version !== panel.item.version) {
      // The draft was written on an older version: keep it, and its base, so saving shows the merge.
      panel.item = { ...panel.item, version: saved.base_version };
      panel.notice("panel-changed", _("Your draft was written on an older version: "
        + "when you save, you can compare it with the current version."));
    }
  }
}
