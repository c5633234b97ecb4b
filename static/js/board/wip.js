/** WIP (work in progress) limits on the board: each column's count against its limit ("3 / 4"),
 * the over-limit mark (a badge and the words "Limit exceeded", not colour alone), the "Limit"
 * control leads get in each column header, the live `column.wip_limit_changed` event, and the
 * warning after a move that takes a column over its limit. A limit warns; it never blocks a move
 * (services/groups.py). */
import { announce, el, problemMessage, toast } from "../dom.js";
import { patch } from "../http.js";
import { _ } from "../i18n.js";
import { config, label, root, states } from "./page.js";

const columnOf = (state) => [...root.querySelectorAll(".column")].find((c) => c.dataset.state === state) || null;
const countOf = (column) => column.querySelectorAll("ol.cards > .card").length;
const limitOf = (column) => Number(column.dataset.wipLimit || 0);

/** Show ``column``'s count, its limit and whether it is over it. */
export function showLimit(column) {
  const n = countOf(column);
  const limit = limitOf(column);
  const count = column.querySelector(".count");
  if (!count) return;
  count.querySelector(".n").textContent = n;
  const of = count.querySelector(".of");
  if (of) of.textContent = limit ? ` / ${limit}` : "";
  count.title = limit ? _("Number of cards / limit") : _("Number of cards");
  column.classList.toggle("over-limit", Boolean(limit) && n > limit);
}

/** Set the limit a column shows (null: none), as the server says it now is. */
export function applyLimit(state, limit) {
  const column = columnOf(state);
  if (!column) return;
  column.dataset.wipLimit = limit ? String(limit) : "";
  showLimit(column);
  const input = column.querySelector(".wip-form input");
  if (input && column.querySelector(".wip-form").hidden) input.value = limit || "";
}

/** A live `column.wip_limit_changed` event. */
export function onWipLimitChanged(evt) {
  applyLimit(evt.state, evt.wip_limit);
  if (evt.actor?.id !== config.user.id) {
    announce(evt.wip_limit
      ? _("The limit of “%(column)s” is now %(limit)s cards.", { column: label(evt.state), limit: evt.wip_limit })
      : _("“%(column)s” no longer has a limit.", { column: label(evt.state) }));
  }
}

/** After a card was moved into ``state``: say so when that column is now over its limit
 * (the move is kept, as Kanban does: the team sees it and finishes work before starting more). */
export function warnIfOverLimit(state) {
  const message = overLimit(state);
  if (!message) return;
  toast(message, { kind: "warning", timeout: 8000 });
  announce(message);
}

/** The warning for the column of ``state`` when it is over its limit, else null. */
export function overLimit(state) {
  const column = columnOf(state);
  if (!column || !limitOf(column) || countOf(column) <= limitOf(column)) return null;
  return _("“%(column)s” is over its limit: %(count)s cards for %(limit)s. The move is kept; finish some work before starting more.",
    { column: label(state), count: countOf(column), limit: limitOf(column) });
}

/** The inline form of one column: a number, Save, No limit, Cancel. */
function formFor(column, button) {
  const state = column.dataset.state;
  const id = `wip-input-${state}`;
  const input = el("input", { id, type: "number", min: 1, max: config.max_wip_limit, inputmode: "numeric",
    value: column.dataset.wipLimit || "" });
  const error = el("p", { class: "error wip-error", role: "alert", hidden: true });
  const form = el("form", { class: "wip-form", hidden: true, novalidate: true },
    el("label", { for: id, text: _("Most cards in “%(column)s”", { column: label(state) }) }),
    el("span", { class: "wip-row" }, input,
      el("button", { type: "submit", class: "primary small", text: _("Save") }),
      el("button", { type: "button", class: "secondary small", dataset: { wip: "none" }, text: _("No limit") }),
      el("button", { type: "button", class: "secondary small", dataset: { wip: "cancel" }, text: _("Cancel") })),
    error);
  const close = () => {
    form.hidden = true;
    error.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  };
  const send = async (limit) => {
    error.hidden = true;
    try {
      const answer = await patch(`/api/v1/groups/${config.group_id}/columns/${encodeURIComponent(state)}`, { wip_limit: limit });
      applyLimit(state, answer.wip_limit);
      close();
      announce(answer.wip_limit
        ? _("The limit of “%(column)s” is now %(limit)s cards.", { column: label(state), limit: answer.wip_limit })
        : _("“%(column)s” no longer has a limit.", { column: label(state) }));
    } catch (err) {
      error.textContent = problemMessage(err, _("Limit"));
      error.hidden = false;
      input.focus();
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    const limit = Number(text);
    if (!text || !Number.isInteger(limit) || limit < 1 || limit > config.max_wip_limit) {
      error.textContent = _("Enter a number of cards from 1 to %(max)s, or choose “No limit”.", { max: config.max_wip_limit });
      error.hidden = false;
      input.focus();
      return;
    }
    send(limit);
  });
  form.addEventListener("click", (e) => {
    const action = e.target.closest("button[data-wip]")?.dataset.wip;
    if (action === "none") send(null);
    else if (action === "cancel") close();
  });
  form.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } });
  return form;
}

/** Give a lead the "Limit" control of each column (others only see "3 / 4"). */
export function bindWipLimits() {
  if (!config.can_set_wip_limits) return;
  for (const column of root.querySelectorAll(".column")) {
    if (column.dataset.state === states.TRASH) continue;
    const heading = column.querySelector("h2");
    const button = el("button", { type: "button", class: "wip-edit", "aria-expanded": "false",
      "aria-label": _("Set the limit of “%(column)s”", { column: label(column.dataset.state) }), text: _("Limit") });
    const form = formFor(column, button);
    button.addEventListener("click", () => {
      form.hidden = !form.hidden;
      button.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) {
        form.querySelector("input").value = column.dataset.wipLimit || "";
        form.querySelector("input").focus();
      }
    });
    heading.querySelector(".count").after(button);
    heading.after(form);
  }
}
