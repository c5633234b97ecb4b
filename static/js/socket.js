/** The tab's one Socket.IO connection, shared by the bell and the page's module (board,
 * calendar, review queue): each `io()` would open a websocket of its own. Created on first
 * use; every module adds its own listeners to it. */
import { io } from "../vendor/socket.io/socket.io.esm.min.js";

let shared = null;

/** The tab's socket, connecting from the first call on. */
export function socket() {
  shared ||= io({ transports: ["websocket", "polling"], withCredentials: true });
  return shared;
}

/** Run ``fn`` on every (re)connection of the tab's socket, and now if it is already
 * connected: a module loaded after the connection opened must not miss it. */
export function onConnect(fn) {
  const s = socket();
  s.on("connect", fn);
  if (s.connected) fn();
  return s;
}
