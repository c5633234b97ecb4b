/** The merge view after a conflict: someone saved first; their version is shown beside the
 * draft, field by field, and the person takes theirs, keeps theirs, or picks fields. */
import { announce, el } from "../../dom.js";
import { _ } from "../../i18n.js";
import { FIELD_LABELS, FIELDS, fieldsOf, readForm, same, writeForm } from "./fields.js";

export class Conflict {
  constructor(panel) {
    this.panel = panel;
    this.current = null;  // the server's current item after a 409
    panel.$("conflict-keep-mine").addEventListener("click", () => this.keepMine());
    panel.$("conflict-take-theirs").addEventListener("click", () => this.takeTheirs());
    panel.$("conflict-fields").addEventListener("click", (e) => {
      const button = e.target.closest("[data-take]");
      if (button) this.takeField(button.dataset.take);
    });
  }

  clear() {
    this.current = null;
    this.panel.$("conflict").hidden = true;
  }

  /** Someone saved first: show their version beside the draft, field by field. The draft stays in the form. */
  show(current) {
    const panel = this.panel;
    this.current = current;
    panel.flushDraft();
    const draft = readForm(panel.form);
    const theirs = fieldsOf(current);
    const rows = [];
    for (const name of FIELDS) {
      if (same(draft[name], theirs[name])) continue;
      const show = (v) => (Array.isArray(v) ? v.join(", ") : v) || _("(empty)");
      rows.push(el("div", { class: "conflict-field" },
        el("h5", { text: FIELD_LABELS[name] }),
        el("div", { class: "conflict-pair" },
          el("div", { class: "mine" }, el("p", { class: "conflict-who", text: _("Your version") }),
            el("pre", { class: "conflict-text", dataset: { field: name, side: "mine" }, text: show(draft[name]) })),
          el("div", { class: "theirs" }, el("p", { class: "conflict-who",
            text: _("Saved version (no. %(version)s)", { version: current.version }) }),
            el("pre", { class: "conflict-text", dataset: { field: name, side: "theirs" }, text: show(theirs[name]) }),
            el("button", { type: "button", class: "secondary small", dataset: { take: name },
              text: _("Take this field") })))));
    }
    if (!rows.length) {
      // The other save made the same change: nothing to merge.
      panel.show(current);
      panel.$("conflict").hidden = true;
      announce(_("The item had already been changed the same way."));
      return;
    }
    panel.$("conflict-fields").replaceChildren(...rows);
    panel.$("conflict").hidden = false;
    panel.$("conflict").scrollIntoView({ block: "nearest" });
    announce(_("Conflict: another version was saved. Your text is kept."));
  }

  /** Save the draft over the current version (the user has merged what they wanted). */
  keepMine() {
    if (!this.current) return;
    const draft = readForm(this.panel.form);
    this.panel.item = this.current;
    writeForm(this.panel.form, draft);
    this.panel.save();
  }

  takeTheirs() {
    if (!this.current) return;
    this.panel.show(this.current);
    this.clear();
    this.panel.flushDraft();
    announce(_("Saved version taken."));
  }

  takeField(name) {
    if (!this.current) return;
    const draft = readForm(this.panel.form);
    draft[name] = fieldsOf(this.current)[name];
    writeForm(this.panel.form, draft);
    this.panel.flushDraft();
    const block = this.panel.$("conflict-fields").querySelector(`[data-take="${name}"]`)?.closest(".conflict-field");
    if (block) block.classList.add("resolved");
    announce(_("%(field)s: saved version taken into your draft.", { field: FIELD_LABELS[name] }));
  }
}
