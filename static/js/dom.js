/** Small DOM helpers shared by the pages. User text only ever goes through textContent. */
import { _, locale, timeZone } from "./i18n.js";

/** Create an element: el("li", {class: "x", dataset: {id: 1}}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function initials(name) {
  const parts = String(name || "?").replace(/-/g, " ").split(/\s+/).filter(Boolean);
  return (parts.slice(0, 2).map((p) => p[0]).join("") || "?").toUpperCase();
}

const dateFormat = new Intl.DateTimeFormat(locale, {
  timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});

/** "25/11/2026 14:30" in the reader's language and time zone, as the server renders it. */
export function localDate(iso) {
  if (!iso) return "";
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date).replace(",", "");
}

/** Say something to screen-reader users (the page's aria-live region). */
export function announce(message) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  // A fresh text node makes screen readers speak a message equal to the previous one too.
  requestAnimationFrame(() => { live.textContent = message; });
}

let toastTimer = null;
/** A visible message that stays until closed or replaced (errors must be read). */
export function toast(message, { kind = "error", timeout = 0 } = {}) {
  const box = document.getElementById("toast");
  if (!box) return;
  document.getElementById("toast-text").textContent = message;
  box.dataset.kind = kind;
  // A modal dialog makes the rest of the page inert and covers it: show the message inside it.
  const modal = [...document.querySelectorAll("dialog[open]")].find((d) => d.matches(":modal"));
  const home = modal || document.body;
  if (box.parentElement !== home) home.append(box);
  box.hidden = false;
  clearTimeout(toastTimer);
  if (timeout) toastTimer = setTimeout(() => { box.hidden = true; }, timeout);
}

export function hideToast() {
  const box = document.getElementById("toast");
  if (box) box.hidden = true;
}

/** A sentence for a refused request: what was refused, why in general, then the server's reason ("detail"). */
export function problemMessage(err, what = _("Action")) {
  const p = err?.problem || {};
  const lead = {
    0: _("connection lost."),
    401: _("session expired, sign in again."),
    403: _("not allowed for you."),
    404: _("item not found (deleted?)."),
    409: _("impossible in the current state."),
    422: _("request refused."),
    428: _("the version read is missing: reload the page."),
  }[err?.status] || _("failed.");
  return _("%(what)s: %(reason)s", { what, reason: lead }) + (p.detail ? ` ${p.detail}` : "");
}

// When a dialog holding the message closes, the message goes back to the page (still visible).
document.addEventListener("close", (e) => {
  const box = document.getElementById("toast");
  if (box && e.target instanceof HTMLDialogElement && e.target.contains(box)) document.body.append(box);
}, true);
