/** Due dates ("à préparer pour le …") on the cards: the overdue and due-soon marks (words,
 * not colour alone), recomputed every minute; and the panel's date-time field in the
 * reader's time zone (the account's, which may not be the browser's). */
import { localDate } from "../dom.js";
import { _, timeZone } from "../i18n.js";
import { config, root } from "./page.js";

const MARKS = { overdue: () => _("Overdue"), due_soon: () => _("Due soon") };

/** "overdue", "due_soon" or "" for an item due at ``dueAt`` (ISO) in ``state``, now. */
export function dueStatus(dueAt, state, now = Date.now()) {
  const when = Date.parse(dueAt || "");
  if (!when || (config.due_done_states || []).includes(state)) return "";
  if (when <= now) return "overdue";
  return when - now <= config.due_soon_ms ? "due_soon" : "";
}

/** Fill a card's due line from its data-due-at and data-state. */
export function fillDue(card, now = Date.now()) {
  const line = card.querySelector(".due");
  if (!line) return;
  const dueAt = card.dataset.dueAt || "";
  const status = dueStatus(dueAt, card.dataset.state, now);
  card.dataset.due = status;
  line.hidden = !dueAt;
  line.className = status ? `due due-${status}` : "due";
  if (!dueAt) { line.replaceChildren(); return; }
  const parts = [];
  if (status) parts.push(Object.assign(document.createElement("span"), { className: "due-mark", textContent: MARKS[status]() }), " ");
  parts.push(Object.assign(document.createElement("span"), { className: "due-when",
    textContent: _("Due %(when)s", { when: localDate(dueAt) }) }));
  line.replaceChildren(...parts);
}

/** Recompute every card's mark (time passes: a card becomes due soon, then overdue). */
export function refreshDue() {
  const now = Date.now();
  for (const card of root.querySelectorAll(".card[data-due-at]:not([data-due-at=''])")) fillDue(card, now);
}

export function startDueClock(onChange) {
  setInterval(() => { refreshDue(); onChange?.(); }, 60 * 1000);
}

// ------------------------------------------------------------------ the reader's time zone

const partsFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function wall(ms) {
  const p = Object.fromEntries(partsFormat.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** An ISO instant → the value of a datetime-local input, in the reader's time zone. */
export function toLocalInput(iso) {
  const ms = Date.parse(iso || "");
  return ms ? wall(ms) : "";
}

/** A datetime-local value (the reader's time zone) → an ISO instant with its zone (UTC). */
export function fromLocalInput(value) {
  if (!value) return null;
  const [day, time = "00:00"] = value.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const target = Date.UTC(y, m - 1, d, hh, mm);
  let guess = target;
  for (let i = 0; i < 3; i += 1) {  // shift by the zone's offset at the guess, twice for DST edges
    const shown = Date.parse(`${wall(guess)}:00Z`);
    guess += target - shown;
  }
  return new Date(guess).toISOString();
}
