/** The calendar, live: on the tab's socket, watch (without presence) the rooms of the groups
 * shown, and refresh on the event types the server lists for this page (``event_types``). */
import { followHeads } from "../heads.js";
import { _ } from "../i18n.js";
import { onConnect, socket } from "../socket.js";
import { page } from "./page.js";

const status = document.getElementById("connection");
const STATUS_TEXT = { online: _("Live"), offline: _("Offline — reconnecting…"), connecting: _("Connecting…") };
function setStatus(s) { status.dataset.status = s; status.textContent = STATUS_TEXT[s] || s; }

/** Call ``refresh()`` whenever something the calendar shows may have changed. */
export function followBoards(refresh) {
  const s = socket();
  const heads = followHeads(s, page.events.BOARD_HEAD, refresh);
  s.on("disconnect", () => setStatus("offline"));
  s.on("connect_error", () => setStatus("offline"));
  for (const type of page.event_types) s.on(type, refresh);
  onConnect(async () => {
    await Promise.all(page.groups.map((g) => new Promise((resolve) => {
      s.timeout(8000).emit("join", { group_id: g.id, watch: true }, (err, ack) => {
        if (!err && ack?.ok) heads.learn(g.id, ack.seq);
        resolve();
      });
    })));
    setStatus("online");
    refresh(); // catch up on whatever happened while disconnected
  });
}
