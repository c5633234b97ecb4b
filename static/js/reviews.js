/** The review queue, live: joins (without presence) the rooms of the groups this lead
 * leads and refreshes the list when an item enters, leaves or is claimed; decisions
 * and claims go through the API so an error shows beside the form and the comment stays. */
import { request } from "./http.js";
import { followHeads } from "./heads.js";
import { _ } from "./i18n.js";
import { onConnect, socket } from "./socket.js";

const container = document.getElementById("review-queue");
const status = document.getElementById("queue-status");
// The event types to refresh on and the heartbeat's name, as the server lists them.
const page = JSON.parse(document.getElementById("reviews-data").textContent);

let refreshing = null;
let again = false;
// The refusal shown beside each item's form, kept across re-renders: a live update
// (another lead's decision, a claim) or the reload after a conflict must not wipe it.
const errors = new Map();

/** Re-render the list from the server (escaped there), keeping what is being typed. */
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    try {
      const response = await fetch("/reviews?partial=1", { credentials: "same-origin" });
      if (!response.ok) return;
      const html = await response.text();
      const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
      const drafts = {};
      for (const area of container.querySelectorAll("textarea[name=comment]")) {
        if (area.value) drafts[area.id] = area.value;
      }
      const ticks = new Set([...container.querySelectorAll("input[name=checklist]:checked")]
        .map((box) => `${box.closest("[data-item-id]").dataset.itemId}:${box.value}`));
      container.replaceChildren(...doc.body.firstElementChild.childNodes);
      for (const [id, value] of Object.entries(drafts)) {
        const area = document.getElementById(id);
        if (area) area.value = value;
      }
      for (const box of container.querySelectorAll("input[name=checklist]")) {
        if (ticks.has(`${box.closest("[data-item-id]").dataset.itemId}:${box.value}`)) box.checked = true;
      }
      for (const [id, message] of errors) {
        const entry = container.querySelector(`[data-item-id="${CSS.escape(id)}"]`);
        if (entry) paintError(entry.querySelector(".decision-form") || entry, message);
        else errors.delete(id);  // the item left the queue: its message stays in the status line
      }
      container.dataset.refreshed = String(Number(container.dataset.refreshed || 0) + 1);
    } finally {
      refreshing = null;
      if (again) { again = false; refresh(); }
    }
  })();
  return refreshing;
}

/** The refusals a lead meets most, said precisely in the reader's language; others as the server says them. */
export function explain(err) {
  const problem = err.problem || {};
  if (Array.isArray(problem.missing) && problem.missing.length) {
    return _("First tick each point of the checklist: %(points)s.", { points: problem.missing.join(" ; ") });
  }
  if (problem.errors?.comment) {
    return _("Write a comment: it is required to request changes or reject.");
  }
  return err.message;
}

function paintError(form, message) {
  const box = form.querySelector(".error");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
}

function showError(entry, form, message) {
  errors.set(entry.dataset.itemId, message);
  paintError(form, message);
  status.textContent = message;
}

container.addEventListener("click", (event) => {
  const button = event.target.closest("button[type=submit]");
  if (button) container.dataset.lastButton = button.name === "decision" ? button.value : button.dataset.action || "";
});

container.addEventListener("submit", async (event) => {
  const form = event.target;
  const entry = form.closest("[data-item-id]");
  if (!entry) return;
  event.preventDefault();
  const itemId = entry.dataset.itemId;
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.dataset.wasDisabled = b.disabled ? "1" : ""; b.disabled = true; });
  try {
    errors.delete(itemId);
    if (form.classList.contains("claim-form")) {
      const release = form.querySelector("input[name=release]");
      await request(release ? "DELETE" : "POST", `/api/v1/items/${itemId}/claim`);
      status.textContent = release ? _("Review handed back to the queue.") : _("You are reviewing this proposal.");
    } else {
      const decision = event.submitter?.value || container.dataset.lastButton;
      const comment = form.querySelector("textarea[name=comment]").value;
      const checklist = [...form.querySelectorAll("input[name=checklist]:checked")].map((b) => b.value);
      await request("POST", `/api/v1/items/${itemId}/reviews`,
        { body: { decision, comment, checklist, version: Number(entry.dataset.version) } });
      form.querySelector("textarea[name=comment]").value = "";
      status.textContent = { approve: _("Proposal approved."), request_changes: _("Changes requested."),
        reject: _("Proposal rejected.") }[decision] || _("Decision saved.");
    }
    await refresh();
  } catch (err) {
    const form2 = form.classList.contains("claim-form") ? entry.querySelector(".decision-form") : form;
    showError(entry, form2, explain(err));
    if (err.status === 409) await refresh();
  } finally {
    buttons.forEach((b) => { if (document.contains(b)) b.disabled = b.dataset.wasDisabled === "1"; });
  }
});

const live = socket();
followHeads(live, page.events.BOARD_HEAD, () => refresh());
for (const type of page.event_types) live.on(type, () => refresh());
onConnect(() => {
  live.emit("queue.watch", {}, (ack) => {
    container.dataset.live = ack && ack.ok ? "1" : "0";
    refresh();
  });
});
