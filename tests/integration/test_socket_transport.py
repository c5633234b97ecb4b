"""The websocket under the board's fan-out (workflow/realtime/transport.py): an event is
framed once for the whole room and written at once to each idle socket by the thread that
emits it; a socket whose reader is slow gets the rest through its writer thread, in order,
and never holds up the others."""
import queue
import socket
import threading
import time

import pytest
from engineio import packet as eio_packet
from engineio.socket import Socket as EngineSocket
from wsproto.frame_protocol import FrameProtocol, Opcode

from workflow.realtime import transport


def read_text_frames(data):
    """The text messages in ``data``, a server's unmasked frames, parsed by wsproto."""
    protocol = FrameProtocol(client=True, extensions=[])
    protocol.receive_bytes(data)
    messages, current = [], []
    for frame in protocol.received_frames():
        assert frame.opcode in (Opcode.TEXT, Opcode.CONTINUATION)
        current.append(frame.payload)
        if frame.frame_finished and frame.message_finished:
            messages.append("".join(current))
            current = []
    assert not current, "a message was cut short"
    return messages


@pytest.mark.parametrize("size", [5, 125, 126, 65535, 65536, 200_000])
def test_a_text_frame_is_read_back_as_the_same_text_by_a_websocket_client(size):
    text = ("é" * size)[:size]
    assert read_text_frames(transport.text_frame(text)) == [text]


def test_the_sockets_of_a_room_share_one_frame_per_message():
    first = transport.frame_for("42[\"item.moved\",{\"seq\":1}]")
    again = transport.frame_for("42[\"item.moved\",{\"seq\":1}]")  # an equal text, another object
    assert again is first
    assert transport.frame_for("42[\"item.moved\",{\"seq\":2}]") is not first


class FakeEngineSocket:
    """What DirectSend uses of an Engine.IO socket."""

    def __init__(self):
        self.queue = queue.Queue()
        self.connected = False

    def check_ping_timeout(self):
        return True


class FakeSimpleWebSocket:
    def __init__(self, sock):
        self.sock = sock
        self.connected = True


@pytest.fixture
def websocket_pair():
    """A transport.WebSocket on one end of a socket pair with a small send buffer, its
    Engine.IO writer thread running as Engine.IO runs it; the other end is the browser."""
    server_end, browser_end = socket.socketpair()
    server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    browser_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    engine_socket = FakeEngineSocket()
    ws = transport.WebSocket(None, None)
    ws.ws = FakeSimpleWebSocket(server_end)
    ws._direct = transport.DirectSend(engine_socket, ws)
    engine_socket.send = ws._direct

    def writer():  # engineio.socket.Socket._websocket_handler's writer
        while True:
            pkt = engine_socket.queue.get()
            if pkt is None:
                return
            ws.send(pkt.encode())
            engine_socket.queue.task_done()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    yield engine_socket, browser_end
    engine_socket.queue.put(None)
    thread.join(5)
    server_end.close()
    browser_end.close()


def read_all(sock, expected_messages):
    """The browser reads until ``expected_messages`` whole messages have arrived."""
    data = b""
    sock.settimeout(10)
    protocol = FrameProtocol(client=True, extensions=[])
    finished = 0
    while finished < expected_messages:
        chunk = sock.recv(65536)
        assert chunk, "the server end closed"
        data += chunk
        protocol.receive_bytes(chunk)
        finished += sum(1 for f in protocol.received_frames() if f.message_finished)
    return read_text_frames(data)


def test_a_slow_reader_gets_every_message_in_order_without_holding_up_the_sender(websocket_pair):
    engine_socket, browser_end = websocket_pair
    messages = [f'2["item.moved",{{"seq":{i},"pad":"{"x" * 1000}"}}]' for i in range(2000)]

    # The browser reads nothing yet: ~2 MB cannot all fit in the socket's buffers.
    sender = threading.Thread(target=lambda: [engine_socket.send(eio_packet.Packet(eio_packet.MESSAGE, m))
                                              for m in messages])
    sender.start()
    sender.join(10)
    assert not sender.is_alive(), "the emitting thread waited for a slow reader"
    assert engine_socket.queue.qsize() > 0, "the rest waits in the socket's queue"

    received = read_all(browser_end, len(messages))
    assert received == ["4" + m for m in messages]  # each an Engine.IO message, in order, whole


def test_after_a_backlog_is_written_messages_go_direct_again(websocket_pair):
    engine_socket, browser_end = websocket_pair
    big = [f'2["board.head",{{"n":{i},"pad":"{"y" * 3000}"}}]' for i in range(300)]
    for m in big:
        engine_socket.send(eio_packet.Packet(eio_packet.MESSAGE, m))
    assert read_all(browser_end, len(big)) == ["4" + m for m in big]
    engine_socket.queue.join()  # the writer has written the backlog

    engine_socket.send(eio_packet.Packet(eio_packet.MESSAGE, "2[\"ping\"]"))
    assert engine_socket.queue.qsize() == 0, "an idle socket is written to by the emitting thread"
    assert read_all(browser_end, 1) == ["42[\"ping\"]"]


class FakePingedSocket:
    def __init__(self, closed=False):
        self.closing = False
        self.closed = closed
        self.last_ping = None
        self.sent = threading.Event()
        self.packets = []

    def send(self, pkt):
        self.packets.append(pkt)
        self.sent.set()


def test_a_thousand_sockets_are_pinged_from_one_thread_each_when_due():
    class FakeEngine:
        ping_interval = 0.2

    pinger = transport.Pinger(FakeEngine())
    before = threading.active_count()
    sockets = [FakePingedSocket() for _ in range(1000)]
    gone = FakePingedSocket(closed=True)
    scheduled = time.monotonic()
    for s in sockets + [gone]:
        pinger.schedule(s)
    assert threading.active_count() - before == 1  # engineio starts one thread per ping
    for s in sockets:
        assert s.sent.wait(5), "a socket was never pinged"
    assert time.monotonic() - scheduled >= 0.2  # not before ping_interval
    assert all(len(s.packets) == 1 and s.packets[0].packet_type == eio_packet.PING for s in sockets)
    assert all(s.last_ping is not None for s in sockets)  # the pong deadline starts
    assert gone.packets == []


def test_engineio_pings_go_to_the_pinger_and_other_tasks_still_get_a_thread(app):
    from workflow.extensions import socketio

    eio = socketio.server.eio
    started = threading.Event()
    eio.start_background_task(started.set)
    assert started.wait(5)

    class Sock(FakePingedSocket):
        server = eio
        _send_ping = EngineSocket._send_ping

    sock = Sock()
    eio.ping_interval = 0.1
    before = threading.active_count()
    eio.start_background_task(sock._send_ping)
    assert sock.sent.wait(5)
    assert threading.active_count() <= before + 1  # the pinger's thread at most, once


def handshake(port):
    """A browser's websocket handshake to Engine.IO, offering permessage-deflate as
    Chromium does; returns the response head and the first bytes after it."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 2:
        chunk = conn.recv(4096)
        assert chunk, data
        data += chunk
    conn.close()
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode().lower(), rest


@pytest.mark.parametrize("deflate", [False, True])
def test_permessage_deflate_is_negotiated_only_when_configured(tmp_path, deflate):
    from werkzeug.serving import make_server

    from tests.conftest import make_app

    app = make_app(tmp_path, SOCKETIO_DEFLATE=deflate)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        head, rest = handshake(server.server_port)
    finally:
        server.shutdown()
        thread.join(5)
    assert head.startswith("http/1.1 101")
    assert ("sec-websocket-extensions: permessage-deflate" in head) is deflate
    assert rest[0] & 0x0F == 1  # a text frame: Engine.IO's open packet
    if not deflate:
        assert not rest[0] & 0x40  # RSV1 clear: not compressed
        assert rest[2:4] == b'0{'  # "0{"sid":…}", as plain text


def test_the_presence_of_a_crowded_board_is_gathered_longer_before_it_is_sent():
    from workflow.realtime.handlers import presence_delay

    assert presence_delay(0.25, 12) == 0.25  # a working group's board: four updates a second at most
    assert presence_delay(0.25, 1000) == 2.5  # each update lists every viewer to every socket
    assert presence_delay(0, 1000) == 0  # PRESENCE_DELAY = 0: each change at once (tests)
