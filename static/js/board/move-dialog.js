/** The "Déplacer vers…" dialog: every column, the ones this person may not use disabled, and
 * up/down in the column. */
import { _ } from "../i18n.js";
import { label, movableColumns, titleOf } from "./page.js";
import { movesFor } from "./moves.js";

const moveDialog = document.getElementById("move-dialog");
const moveTargets = document.getElementById("move-targets");
let moveCardEl = null;

export function openMoveDialog(card) {
  moveCardEl = card;
  const allowed = movesFor(card);
  document.getElementById("move-item-title").textContent = _("“%(title)s” — now in “%(column)s”",
    { title: titleOf(card), column: label(card.dataset.state) });
  const legend = moveTargets.querySelector("legend");
  moveTargets.replaceChildren(legend);
  for (const state of movableColumns()) {
    const current = state === card.dataset.state;
    const ok = current || state in allowed;
    const input = Object.assign(document.createElement("input"),
      { type: "radio", name: "target", value: state, checked: current, disabled: !ok });
    const text = label(state) + (current ? " " + _("(current column)") : "")
      + (ok ? "" : " — " + _("not allowed for you"))
      + (allowed[state] === true ? " — " + _("comment required") : "");
    const row = document.createElement("label");
    row.className = ok ? "move-target" : "move-target disabled";
    row.append(input, " ", text);
    moveTargets.append(row);
  }
  moveDialog.showModal();
  (moveTargets.querySelector("input:checked") || moveTargets.querySelector("input:not(:disabled)"))?.focus();
}

/** Wire the dialog's buttons to ``moves``. */
export function bindMoveDialog(moves) {
  document.getElementById("move-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const card = moveCardEl;
    const target = moveTargets.querySelector("input:checked")?.value;
    moveDialog.close();
    if (card && target) moves.toColumn(card, target);
  });
  moveDialog.addEventListener("click", (e) => {
    const order = e.target.closest("[data-order]");
    if (order && moveCardEl) { moveDialog.close(); moves.reorder(moveCardEl, order.dataset.order === "up" ? -1 : 1); }
    if (e.target.closest("[data-close]") || e.target === moveDialog) moveDialog.close();
  });
}
