/** Undo for the last move, edit, trash or bulk action: the page's toast says what was done
 * and offers "Annuler" for a few seconds (Ctrl+Z too, outside a text field). An undo is a
 * new change through the same API — a move back, a restore, a PATCH with the previous
 * values and the current version, one bulk call back — so the server checks it like any
 * other; when it is no longer possible (someone changed the card since), the toast says so. */
import { announce, el, problemMessage, toast } from "../dom.js";
import { _ } from "../i18n.js";

export const UNDO_MS = 8000;

let offer = null;  // {message, run}: the undo the toast offers now
let button = null;

function box() { return document.getElementById("toast"); }

function undoButton() {
  if (button) return button;
  button = el("button", { type: "button", class: "toast-undo", id: "toast-undo" }, _("Undo"));
  button.addEventListener("click", () => undoNow());
  const text = document.getElementById("toast-text");
  text.after(button);
  // Another message in the toast (an error, a save): this undo is no longer what it offers.
  new MutationObserver(() => {
    if (offer && text.textContent !== offer.message) withdraw();
  }).observe(text, { childList: true, characterData: true, subtree: true });
  return button;
}

function withdraw() {
  offer = null;
  if (button) button.hidden = true;
}

/** Say ``message`` and offer to undo it: ``run`` makes the undo (a promise of the sentence
 * saying it is undone; it throws the API's refusal). ``kind``: the toast's ("warning"…). */
export function offerUndo(message, run, { kind = "ok" } = {}) {
  const undo = undoButton();
  offer = null;
  toast(message, { kind, timeout: UNDO_MS });
  offer = { message, run };
  undo.hidden = false;
  undo.setAttribute("aria-label", _("Undo: %(what)s", { what: message }));
}

/** Whether an undo is on offer (its toast still shown). */
export function canUndo() { return Boolean(offer) && !box()?.hidden; }

/** The sentence for an undo the server refused. */
export function undoRefusal(err) {
  const detail = err?.problem?.detail ? ` ${err.problem.detail}` : "";
  if (err?.status === 409 || err?.status === 404) {
    return _("This can no longer be undone: the card was changed since.") + detail;
  }
  if (err?.status === 403) return _("This can no longer be undone by you.") + detail;
  return problemMessage(err, _("Undo"));
}

export async function undoNow() {
  if (!offer) return;
  const { run } = offer;
  withdraw();
  toast(_("Undoing…"), { kind: "ok" });
  try {
    const done = await run();
    const message = done || _("Undone.");
    toast(message, { kind: "ok", timeout: 4000 });
    announce(message);
  } catch (err) {
    const message = undoRefusal(err);
    toast(message);
    announce(message);
  }
}

const typing = (target) => target?.closest?.(
  'input:not([type="checkbox"]):not([type="radio"]):not([type="button"]), textarea, select, [contenteditable]');

/** Ctrl+Z (⌘Z) undoes what the toast offers, unless the focus is in a field (its own undo). */
export function bindUndoKey() {
  document.addEventListener("keydown", (e) => {
    if (e.key.toLowerCase() !== "z" || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
    if (typing(e.target) || !canUndo()) return;
    e.preventDefault();
    undoNow();
  });
}
