/** Pages that show boards without keeping their log (the calendar, the review queue) learn each
 * board's seq from the events they receive and from the `board.head` heartbeats
 * (docs/realtime.md), and call `onBehind()` when a heartbeat shows a change this page never
 * heard of — lost in transit: the page then reloads its data by itself. ``headEvent`` is the
 * heartbeat's name as the page's config gives it (``events.BOARD_HEAD``). */
export function followHeads(socket, headEvent, onBehind) {
  const seen = new Map();
  const learn = (groupId, seq) => seen.set(groupId, Math.max(seen.get(groupId) || 0, seq));
  socket.onAny((name, payload) => {
    if (name !== headEvent && payload && typeof payload.seq === "number") learn(payload.group_id, payload.seq);
  });
  socket.on(headEvent, (head) => {
    if (!head || typeof head.seq !== "number") return;
    const known = seen.get(head.group_id);
    learn(head.group_id, head.seq);
    if (known !== undefined && head.seq > known) onBehind();
  });
  return { learn };
}
