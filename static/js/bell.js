/** The header's bell: its unread count is read once on load (and after each reconnection),
 * then follows the person's own Socket.IO room (`user:<id>`): `notification.created` raises
 * it, `notifications.unread` sets it (after reading here or in another tab). For a lead,
 * the "Reviews" link shows how many items wait in their queue. The socket is the tab's one
 * (socket.js), shared with the page. Clicking the bell opens its menu (bell-menu.js). */
import { BellMenu } from "./bell-menu.js";
import { get } from "./http.js";
import { ngettext } from "./i18n.js";
import { onConnect } from "./socket.js";

const bell = document.getElementById("bell");
const count = document.getElementById("bell-count");
const reviewsLink = document.getElementById("nav-reviews");
const reviewsCount = document.getElementById("reviews-count");

function show(unread) {
  const n = Math.max(0, Number(unread) || 0);
  count.textContent = n > 99 ? "99+" : String(n);
  count.hidden = n === 0;
  bell.dataset.unread = String(n);
  bell.setAttribute("aria-label", ngettext("Notifications: %(num)s unread", "Notifications: %(num)s unread", n));
  document.dispatchEvent(new CustomEvent("relais:unread", { detail: { unread: n } }));
}

async function load() {
  try {
    const data = await get("/api/v1/notifications/unread");
    show(data.unread);
    if (reviewsLink && data.reviews !== null && data.reviews !== undefined) {
      reviewsLink.hidden = false;
      reviewsCount.textContent = data.reviews ? `(${data.reviews})` : "";
    }
  } catch (err) {
    // The bell stays as it was; the next reconnection tries again.
  }
}

if (bell && count) {
  const socket = onConnect(() => { bell.dataset.connected = "1"; load(); });
  socket.on("notification.created", (msg) => {
    show(msg.unread);
    if (msg.notification?.kind === "review_requested") load();
    document.dispatchEvent(new CustomEvent("relais:notification", { detail: msg.notification }));
  });
  socket.on("notifications.unread", (msg) => show(msg.unread));
  const menu = new BellMenu({ button: bell, onUnread: show });
  window.relaisBell = { socket, show, load, menu };
}
