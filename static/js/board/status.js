/** What the board tells the person about the live link and about others: the connection's
 * status, the viewers and who edits which card, and others' moves read out to screen readers. */
import { announce, hideToast } from "../dom.js";
import { _ } from "../i18n.js";
import { renderEditing, renderViewers } from "./live.js";
import { label, me, root } from "./page.js";

const connection = document.getElementById("connection");
const presence = document.getElementById("presence");
const STATUS = { connecting: _("Connecting…"), syncing: _("Updating…"), online: _("Live"),
  offline: _("Offline — reconnecting…"), error: _("Board not synchronised") };
let editing = {};

export function showStatus(status, detail) {
  connection.dataset.status = status;
  presence.classList.toggle("stale", status !== "online");
  connection.textContent = detail ? `${STATUS[status]} (${detail})` : STATUS[status];
}

export function showPresence(p) {
  editing = p.editing || {};
  renderViewers(presence, p.viewers, me);
  renderEditing(root, editing, me);
}

/** Put the "X is editing…" badges back on the cards (after a card was re-rendered). */
export function refreshEditing() { renderEditing(root, editing, me); }

/** Someone else moved a card to another column: say so. ``result`` is what Cards.upsert answered. */
export function announceMove(evt, result) {
  if (result?.card && evt.actor && evt.actor.id !== me.id && result.from !== result.to && result.to) {
    announce(_("%(name)s moved “%(title)s” to “%(column)s”.",
      { name: evt.actor.display_name, title: evt.item.title, column: label(result.to) }));
  }
}

export function bindToast() {
  document.getElementById("toast-close").addEventListener("click", hideToast);
}
