// Many Socket.IO clients on one board, in one Node process: the client the
// browsers use (socket.io-client, pinned in package.json), so that for a few
// thousand sockets the server, not the client, is what is measured.
// Used by bench/fanout.py and tests/integration/test_thousand_sockets.py.
//
//   node bench/socket_clients.mjs '<config JSON>'    (or the config as stdin's first line)
//
// Config: {"urls": ["http://127.0.0.1:8000"], "tokens": ["..."], "group_id": 1,
//          "sockets": 200, "transports": ["websocket"], "concurrency": 50,
//          "connect_timeout_ms": 20000, "deadline_s": 300, "join_deadline_s": 300,
//          "event": "item.moved"}
// Socket i connects to urls[i % urls.length] with tokens[i % tokens.length],
// at most `concurrency` connecting at once, and joins the board (ack {ok: true}).
// After join_deadline_s no socket starts connecting; the "joined" line then counts
// those not joined yet as failed (a late one that joins still receives events).
//
// Prints JSON lines on stdout:
//   {"type": "joined", "joined": n, "failed": k, "errors": {...}, "seconds": s}  once all tried
//   {"type": "first", "event_id": id, "at": ms}        an event's first arrival
//   {"type": "complete", "event_id": id, "reached": n} when it has reached every joined socket
//   {"type": "report", ...}                            after a "report" line on stdin
// Commands on stdin, one a line:
//   report {"t0": {"<event_id>": ms}}   per-event sockets reached and latency (arrival − t0,
//                                       ms, t0 the wall time the driver sent the move), then
//                                       closes every socket and exits
//   quit                                closes and exits
// It exits by itself after deadline_s, and when stdin closes.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const now = () => performance.timeOrigin + performance.now();
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const lines = createInterface({ input: process.stdin });
const pending = [];
let waiting = null;
lines.on("line", (line) => (waiting ? (waiting(line), (waiting = null)) : pending.push(line)));
lines.on("close", () => finish(0));
const nextLine = () => new Promise((resolve) => (pending.length ? resolve(pending.shift()) : (waiting = resolve)));

const config = JSON.parse(process.argv[2] ?? (await nextLine()));
const {
  urls = [config.url], tokens, group_id: groupId, sockets: total,
  transports = ["websocket"], concurrency = 50, connect_timeout_ms: connectTimeout = 20000,
  deadline_s: deadline = 300, join_deadline_s: joinDeadline = deadline, event = "item.moved",
} = config;

const clients = [];
const arrivals = new Map(); // event_id -> [arrival ms, one per socket]
const errors = {};
let joined = 0;
let dropped = 0; // sockets that joined, then lost their connection
let closing = false;

let reportedJoins = false;
const started = now();
function reportJoins(extra = {}) {
  reportedJoins = true;
  emit({ type: "joined", joined, failed: total - joined, errors, seconds: (now() - started) / 1000, ...extra });
}
const deadlineTimer = setTimeout(() => {
  if (!reportedJoins) reportJoins({ deadline: true }); // the sockets still connecting count as failed
  emit({ type: "deadline", seconds: deadline });
  finish(3);
}, deadline * 1000);

function finish(code) {
  if (closing) return;
  closing = true;
  clearTimeout(deadlineTimer);
  for (const socket of clients) socket.disconnect();
  // Let the close frames go out, then leave whatever is still open.
  setTimeout(() => process.exit(code), 200);
}

function fail(reason) {
  const key = String(reason).slice(0, 120);
  errors[key] = (errors[key] ?? 0) + 1;
}

function connectOne(i) {
  return new Promise((resolve) => {
    const socket = io(urls[i % urls.length], {
      transports, auth: { token: tokens[i % tokens.length] }, reconnection: false,
      forceNew: true, timeout: connectTimeout, // forceNew: one connection per socket, not one shared
    });
    const timer = setTimeout(() => done(false, "connect+join timeout"), connectTimeout * 2);
    let settled = false;
    function done(ok, reason) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        joined += 1;
        clients.push(socket);
        socket.on("disconnect", (why) => { if (!closing) { dropped += 1; fail(`dropped: ${why}`); } });
      } else {
        fail(reason);
        socket.disconnect();
      }
      resolve();
    }
    socket.on(event, (payload) => {
      const at = now();
      const id = payload?.event_id;
      let times = arrivals.get(id);
      if (!times) {
        arrivals.set(id, (times = []));
        emit({ type: "first", event_id: id, at });
      }
      times.push(at);
      if (times.length === joined) emit({ type: "complete", event_id: id, reached: times.length });
    });
    socket.on("connect_error", (err) => done(false, `connect_error: ${err.message}`));
    socket.on("connect", () => {
      socket.timeout(connectTimeout).emit("join", { group_id: groupId }, (err, ack) => {
        if (err) done(false, "join ack timeout");
        else if (!ack?.ok) done(false, `join refused: ${JSON.stringify(ack?.error ?? ack)}`);
        else done(true);
      });
    });
  });
}

let next = 0;
let stopJoining = false;
async function worker() {
  while (next < total && !closing && !stopJoining) await connectOne(next++);
}
let joinTimer;
const joinsLate = new Promise((resolve) => (joinTimer = setTimeout(resolve, joinDeadline * 1000, true)));
const late = await Promise.race([Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker)), joinsLate]);
clearTimeout(joinTimer);
stopJoining = true;
if (!closing) reportJoins(late === true ? { join_deadline: true } : {});

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const k = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(k), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - lo);
}

for (;;) {
  const line = (await nextLine()).trim();
  if (line === "quit") finish(0);
  if (!line.startsWith("report")) continue;
  const { t0 = {} } = JSON.parse(line.slice("report".length).trim() || "{}");
  const events = [...arrivals].map(([id, times]) => {
    const start = t0[String(id)];
    const lat = start === undefined ? [] : times.map((t) => t - start).sort((a, b) => a - b);
    return {
      event_id: id, reached: times.length,
      p50: percentile(lat, 50), p99: percentile(lat, 99), last: lat.length ? lat[lat.length - 1] : null,
    };
  });
  emit({ type: "report", joined, dropped, open: clients.filter((s) => s.connected).length, errors, events });
  finish(0);
}
