/** The panel's actions on the whole card: "Supprimer" (to the trash, with "Annuler" in the
 * toast for a few seconds), "Dupliquer" (a copy as a new proposal, opened at once) and, on a
 * card in the trash, "Restaurer". Shown only to those the server would allow: a lead,
 * coordinator or admin for any card, an author for her own proposal. */
import { announce, problemMessage, toast } from "../../dom.js";
import { post, request } from "../../http.js";
import { _ } from "../../i18n.js";
import { offerUndo } from "../undo.js";

export class Actions {
  constructor(panel) {
    this.panel = panel;
    this.box = panel.$("panel-actions");
    this.buttons = { duplicate: panel.$("panel-duplicate"), trash: panel.$("panel-trash"),
      restore: panel.$("panel-restore") };
    this.buttons.duplicate.addEventListener("click", () => this.duplicate());
    this.buttons.trash.addEventListener("click", () => this.trash());
    this.buttons.restore.addEventListener("click", () => this.restore());
  }

  /** May this person trash (or restore) ``item``? The rule of domain/permissions.py's require_trash. */
  mayTrash(item) {
    const { config } = this.panel;
    return config.can_trash_any || (item.author?.id === config.user.id
      && config.author_trashable_states.includes(item.state));
  }

  show(item) {
    const { config } = this.panel;
    const may = config.can_edit && this.mayTrash(item);
    this.buttons.duplicate.hidden = !config.can_edit || item.deleted;
    this.buttons.trash.hidden = !may || item.deleted;
    this.buttons.restore.hidden = !may || !item.deleted;
    this.box.hidden = Object.values(this.buttons).every((b) => b.hidden);
  }

  async busy(work) {
    for (const button of Object.values(this.buttons)) button.disabled = true;
    try {
      await work();
    } finally {
      for (const button of Object.values(this.buttons)) button.disabled = false;
    }
  }

  trash() {
    const { panel } = this;
    const item = panel.item;
    if (!item) return;
    return this.busy(async () => {
      try {
        const trashed = await request("DELETE", `/api/v1/items/${item.id}`, { headers: { "If-Match": `"${item.version}"` } });
        panel.cards.upsert(trashed);
        panel.dialog.close();
        offerUndo(_("“%(title)s” moved to the trash.", { title: trashed.title }), async () => {
          const back = await post(`/api/v1/items/${trashed.id}/restore`);
          panel.cards.upsert(back);
          return _("“%(title)s” is back on the board.", { title: back.title });
        });
        announce(_("“%(title)s” moved to the trash.", { title: trashed.title }));
      } catch (err) {
        toast(problemMessage(err, _("Deletion")));
      }
    });
  }

  restore() {
    const { panel } = this;
    const item = panel.item;
    if (!item) return;
    return this.busy(async () => {
      try {
        const back = await post(`/api/v1/items/${item.id}/restore`);
        panel.cards.upsert(back);
        panel.show(back);
        const message = _("“%(title)s” is back on the board.", { title: back.title });
        toast(message, { kind: "ok", timeout: 5000 });
        announce(message);
      } catch (err) {
        toast(problemMessage(err, _("Restore")));
      }
    });
  }

  duplicate() {
    const { panel } = this;
    const item = panel.item;
    if (!item) return;
    return this.busy(async () => {
      try {
        panel.flushDraft();
        const copy = await post(`/api/v1/items/${item.id}/duplicate`);
        panel.cards.upsert(copy);
        await panel.open(copy.id);
        const message = _("“%(title)s” created: a copy of “%(original)s”.", { title: copy.title, original: item.title });
        toast(message, { kind: "ok", timeout: 5000 });
        announce(message);
      } catch (err) {
        toast(problemMessage(err, _("Duplication")));
      }
    });
  }
}
