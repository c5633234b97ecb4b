"""The websocket under Engine.IO in threading mode: simple-websocket's server,
with what a board's fan-out needs (docs/realtime.md, "Fan-out").

A board event goes to every socket of the board's room. python-socketio encodes
it once per room; below that, simple-websocket handed each copy to wsproto,
which framed it again for every socket and, when the browser offered
permessage-deflate, compressed it again for every socket (each socket's
compressor has its own state). Measured with 200 sockets (bench/fanout.py),
that per-socket work was most of the server's CPU per move, for messages of a
kilobyte or two that deflate saves little on.

So, by default (``SOCKETIO_DEFLATE = False``), the server does not accept the
browser's permessage-deflate offer, and a text message is framed once — the
frame's bytes are the same for every socket — and written to each socket as is.
With ``SOCKETIO_DEFLATE = True`` the offer is accepted and each message goes
through wsproto as before (compressed per socket).

Then the hand-over: Engine.IO queues each packet for the socket's writer
thread, so one event woke 200 threads, one after the other, each to write a
few hundred bytes. Here a packet for an idle websocket is written at once by
the thread that emits it, without blocking (``MSG_DONTWAIT``): the kernel takes
it, or takes part of it. Whatever it does not take, and every packet behind it,
goes through the queue and the writer thread as before, so a slow reader never
holds up the room and a socket's packets keep their order: a packet is written
directly only when nothing of that socket is queued or being written.
"""
import heapq
import itertools
import logging
import os
import socket as socket_lib
import threading
import time
from collections import OrderedDict

import simple_websocket
from engineio import packet as eio_packet
from engineio.socket import Socket as EngineSocket

log = logging.getLogger(__name__)

# The last frames built, by message text: the copies of one event that the
# room's sockets send find theirs here (each socket's writer thread sends its
# own copy, a moment apart).
_FRAMES = OrderedDict()
_FRAMES_SIZE = 64
_FRAMES_LOCK = threading.Lock()


def text_frame(text):
    """The bytes of one unfragmented, unmasked text frame carrying ``text`` (RFC 6455 §5.2)."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return head + payload


def frame_for(text):
    """``text_frame(text)``, built once for all the sockets sending the same text."""
    with _FRAMES_LOCK:
        frame = _FRAMES.get(text)
        if frame is not None:
            _FRAMES.move_to_end(text)
            return frame
    frame = text_frame(text)
    with _FRAMES_LOCK:
        _FRAMES[text] = frame
        if len(_FRAMES) > _FRAMES_SIZE:
            _FRAMES.popitem(last=False)
    return frame


class _Raw(bytes):
    """The rest of a frame the kernel took only part of: written as is by the writer."""


class _RawPacket:
    def __init__(self, data):
        self.data = _Raw(data)

    def encode(self, b64=False):
        return self.data


class _CountingQueue:
    """The socket's Engine.IO queue, counting the packets put in it and not yet
    written (``DirectSend.pending``): while there are any, new packets queue too."""

    def __init__(self, queue, direct):
        self._queue = queue
        self._direct = direct

    def put(self, item, *args, **kwargs):
        if item is not None:  # None only tells the writer to stop
            with self._direct.lock:
                self._direct.pending += 1
        return self._queue.put(item, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._queue, name)


class DirectSend:
    """``engineio.socket.Socket.send`` for one websocket (module docstring)."""

    def __init__(self, eio_socket, adapter):
        self.eio_socket = eio_socket
        self.adapter = adapter
        self.lock = threading.Lock()
        # Packets already queued (the Engine.IO open packet) are the writer's.
        self.pending = eio_socket.queue.qsize()
        self.queue = eio_socket.queue = _CountingQueue(eio_socket.queue, self)
        sock = adapter.ws.sock
        self.sock = sock
        if sock.gettimeout() is None:  # a blocking socket: this call only does not wait
            self._write = lambda frame: sock.send(frame, socket_lib.MSG_DONTWAIT)
        else:  # a socket with a timeout is non-blocking underneath
            fd = sock.fileno()
            self._write = lambda frame: os.write(fd, frame)

    def __call__(self, pkt):
        if not self.eio_socket.check_ping_timeout():
            return
        with self.lock:
            if self.pending or not self.adapter.ws.connected:
                return self._enqueue(pkt)
            data = pkt.encode()
            if not isinstance(data, str):
                return self._enqueue(pkt)  # binary: the writer frames it
            frame = frame_for(data)
            try:
                sent = self._write(frame)
            except BlockingIOError:
                sent = 0
            except OSError:
                return self._enqueue(pkt)  # the writer meets the error and closes the socket
            if sent < len(frame):
                # Counted before the lock is released: nothing may be written after a
                # partial frame but its rest.
                self._enqueue(_RawPacket(frame[sent:]))

    def _enqueue(self, item):
        """Queue ``item`` for the writer thread; the caller holds ``lock``."""
        self.pending += 1
        self.queue._queue.put(item)

    def written(self):
        """The writer thread wrote one queued packet."""
        with self.lock:
            if self.pending:
                self.pending -= 1


class WebSocket:
    """Engine.IO's websocket in threading mode (``engineio.async_drivers._websocket_wsgi``'s
    interface), on simple-websocket. ``deflate`` is set per server by ``install``."""

    deflate = False

    def __init__(self, handler, server, **kwargs):
        self.app = handler
        self.server_args = kwargs
        self.ws = None
        self._direct = None

    def __call__(self, environ, start_response):
        if not self.deflate and "HTTP_SEC_WEBSOCKET_EXTENSIONS" in environ:
            # Without the offer in the handshake, no extension is negotiated.
            environ = {k: v for k, v in environ.items() if k != "HTTP_SEC_WEBSOCKET_EXTENSIONS"}
        self.ws = simple_websocket.Server(environ, **self.server_args)
        eio_socket = getattr(self.app, "__self__", None)
        # A socket upgraded from long-polling (already connected) keeps Engine.IO's own
        # path: its first packets go through the polling queue.
        # Frames are written as built here only when no extension transforms them.
        if not self.deflate and eio_socket is not None and not eio_socket.connected:
            self._direct = DirectSend(eio_socket, self)
            eio_socket.send = self._direct
        ret = self.app(self)
        if self.ws.mode == "gunicorn":
            raise StopIteration()
        if self.ws.mode == "werkzeug":
            raise ConnectionError()
        return ret

    def close(self):
        if self.ws.connected:
            self.ws.close()

    def send(self, message):
        """Called by Engine.IO's writer thread with each queued packet, encoded."""
        ws = self.ws
        try:
            if not ws.connected:
                raise OSError("the websocket is closed")
            if isinstance(message, _Raw):
                ws.sock.sendall(message)
            elif not self.deflate and isinstance(message, str):
                ws.sock.sendall(frame_for(message))
            else:
                try:
                    ws.send(message)
                except simple_websocket.ConnectionClosed:
                    raise OSError("the websocket is closed") from None
        finally:
            if self._direct is not None:
                self._direct.written()

    def wait(self):
        try:
            return self.ws.receive()
        except simple_websocket.ConnectionClosed:
            return None


class Pinger:
    """Engine.IO's pings, from one thread per server. Engine.IO starts a thread for
    each ping of each socket, which sleeps ``ping_interval`` and sends it: with a
    thousand sockets, a thousand threads asleep at any time. Here they wait in a
    heap, and one thread sends each when due."""

    def __init__(self, eio):
        self.eio = eio
        self._heap = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread = None

    def schedule(self, eio_socket):
        due = time.monotonic() + self.eio.ping_interval
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._order), eio_socket))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="relais-engineio-pings", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, eio_socket = heapq.heappop(self._heap)
            try:  # engineio.socket.Socket._send_ping, after its sleep
                if not eio_socket.closing and not eio_socket.closed:
                    eio_socket.last_ping = time.time()
                    eio_socket.send(eio_packet.Packet(eio_packet.PING))
            except Exception:  # a socket closing meanwhile: its reader ends it
                log.debug("A ping could not be sent", exc_info=True)


def install(server, *, deflate=False):
    """Give ``server`` (python-socketio's, threading mode) this websocket and the pinger."""
    eio = server.eio
    if eio.async_mode != "threading":
        return
    websocket = type("WebSocket", (WebSocket,), {"deflate": bool(deflate)})
    eio._async = dict(eio._async, websocket=websocket)
    pinger = Pinger(eio)
    start_background_task = eio.start_background_task

    def start(target, *args, **kwargs):
        if getattr(target, "__func__", None) is EngineSocket._send_ping and not args and not kwargs:
            pinger.schedule(target.__self__)
            return None  # (engineio does not keep the ping's task)
        return start_background_task(target, *args, **kwargs)

    eio.start_background_task = start
