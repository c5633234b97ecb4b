/** "Mon travail", the home page: draws its sections from the page's JSON, then keeps them
 * current over the tab's one socket: on ``work.changed`` (sent to this person's own room
 * after a commit that may change their work) and on every (re)connection — a socket that
 * was away may have missed some — it fetches GET /api/v1/me/work again (debounced) and
 * redraws. Opening a mention or a followed item's news marks it read. */
import { get } from "./http.js";
import { _ } from "./i18n.js";
import { onConnect } from "./socket.js";
import { render } from "./work/render.js";

const container = document.getElementById("my-work");
const status = document.getElementById("work-status");
const page = JSON.parse(document.getElementById("work-data").textContent);
const stateLabel = (state) => page.state_labels[state] || state;
const DEBOUNCE_MS = 250;

function draw(work) {
  render(container, work, page.sections, stateLabel);
  container.setAttribute("aria-busy", "false");
  container.dataset.refreshed = String(Number(container.dataset.refreshed || 0) + 1);
}

let timer = null;
let running = null;
let again = false;

async function refetch() {
  if (running) { again = true; return; }
  running = (async () => {
    try {
      const before = container.textContent;
      draw(await get("/api/v1/me/work"));
      if (container.textContent !== before) status.textContent = _("Your work was updated.");
    } catch (err) {
      status.textContent = _("Your work could not be updated: %(reason)s", { reason: err.message });
    } finally {
      running = null;
      if (again) { again = false; refetch(); }
    }
  })();
}

/** Fetch soon: a burst of changes (a bulk action, several rooms) costs one request. */
function soon() {
  clearTimeout(timer);
  timer = setTimeout(refetch, DEBOUNCE_MS);
}

container.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-notification-id]");
  if (!link) return;
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  // keepalive: the request outlives the page the link leaves.
  fetch(`/api/v1/notifications/${link.dataset.notificationId}/read`, {
    method: "POST", credentials: "same-origin", keepalive: true,
    headers: { "X-CSRFToken": token, Accept: "application/json" },
  }).catch(() => {});
});

draw(page.work);
const live = onConnect(() => { container.dataset.live = "1"; soon(); });
live.on(page.events.WORK_CHANGED, soon);
live.on("disconnect", () => { container.dataset.live = "0"; });
