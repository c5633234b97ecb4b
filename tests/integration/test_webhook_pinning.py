"""A webhook delivery goes where the check looked: the host is resolved once per
attempt, every address is checked, and the connection is made to those
addresses only — a DNS answer that turns to 127.0.0.1 after the check
(rebinding) reaches nothing inside. The host name still travels in the Host
header and, over https, in SNI and the certificate check. Neither a redirect
nor a proxy from the environment leads the POST to an unchecked address."""
import socket
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import WebhookDelivery
from workflow.services import webhooks
from workflow.services.workflow import publish_due

from .test_webhooks import due_items, register

HOST = "hooks.example.test"
PUBLIC = "203.0.113.7"  # what the resolver answers first: a documentation address, routed below to a local server
CERTS = Path(__file__).parent / "webhook_certs"  # a test CA and certificates it signed (see make.sh there)


class Server:
    """An HTTP server on 127.0.0.1 (HTTPS with ``cert``) that records each
    request and the TLS server names asked for, and answers ``status``."""

    def __init__(self, status=200, headers=None, cert=None):
        self.requests, self.server_names = [], []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append((self.path, dict(self.headers), body))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(CERTS / cert, CERTS / "server.key")
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started = []

    def start(**kwargs):
        started.append(Server(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


class Network:
    """Stands in for DNS and the Internet. ``answers[host]`` is what each
    lookup of ``host`` returns in turn (the last answer repeats; an answer is
    one address or a tuple of them); ``lookups`` lists the names looked up.
    A connection to ``(address, port)`` in ``routes`` reaches the local server
    on ``routes[(address, port)]``; other 203.0.113.x addresses refuse
    connections; anything else (127.0.0.1 included) connects for real."""

    def __init__(self, monkeypatch):
        self.answers, self.lookups, self.routes = {}, [], {}
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.answers:
                return real_getaddrinfo(host, port, *args, **kwargs)
            self.lookups.append(host)
            answers = self.answers[host]
            answer = answers[min(self.lookups.count(host), len(answers)) - 1]
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
                    for address in ((answer,) if isinstance(answer, str) else answer)]

        def connect(sock, address):
            if tuple(address[:2]) in self.routes:
                return real_connect(sock, ("127.0.0.1", self.routes[tuple(address[:2])]))
            if address[0].startswith("203.0.113."):
                raise ConnectionRefusedError(f"test network: nothing listens on {address[0]}")
            return real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)  # socket.socket is a Python class: patchable


@pytest.fixture
def network(monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return Network(monkeypatch)


@pytest.fixture
def trust_test_ca(monkeypatch):
    """The default TLS context trusts the test CA (and only it) — hostname checks stay on."""
    monkeypatch.setenv("SSL_CERT_FILE", str(CERTS / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def registered_and_published(api, world, network, url):
    """Register ``url`` (its host resolving to PUBLIC, so the check passes) and publish one item."""
    network.answers[HOST] = [PUBLIC]
    response = register(api, world, url, allow_private=False)
    assert response.status_code == 201, response.get_json()
    due_items(world, 1)
    assert publish_due() == 1
    network.lookups.clear()
    return response.get_json()


def deliver():
    return webhooks.deliver_pending(datetime.now(timezone.utc) + timedelta(seconds=1), timeout=5)


def the_delivery():
    return db.session.scalars(select(WebhookDelivery)).one()


@pytest.mark.parametrize("scheme, cert", [("http", None), ("https", "hooks.example.test.pem")])
def test_delivery_connects_to_the_address_it_checked_not_to_the_rebound_loopback(
        api, world, network, servers, trust_test_ca, scheme, cert):
    # The service the rebinding aims at listens on 127.0.0.1 (over https with a valid
    # certificate for HOST, as an attacker who owns HOST may have); PUBLIC on the same
    # port leads to the genuine receiver.
    internal = servers(cert=cert)
    public = servers(cert=cert)
    network.routes[(PUBLIC, internal.port)] = public.port
    created = registered_and_published(api, world, network, f"{scheme}://{HOST}:{internal.port}/hook?k=1")
    network.answers[HOST] = [PUBLIC, "127.0.0.1"]  # the first lookup is public, every later one loopback

    assert deliver() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert internal.requests == []
    assert network.lookups == [HOST]  # resolved once, for the check; the connection used that answer
    (path, headers, body), = public.requests
    assert path == "/hook?k=1"
    assert headers["Host"] == f"{HOST}:{internal.port}"
    assert webhooks.verify(created["secret"], headers["X-Relais-Timestamp"], body, headers["X-Relais-Signature"])
    if scheme == "https":
        assert public.server_names == [HOST]  # SNI names the host, not the address


@pytest.mark.parametrize("cert", ["other.example.test.pem", f"{PUBLIC}.pem"])
def test_https_certificate_must_match_the_host_name_not_the_pinned_address(
        api, world, network, servers, trust_test_ca, cert):
    public = servers(cert=cert)
    network.routes[(PUBLIC, public.port)] = public.port
    registered_and_published(api, world, network, f"https://{HOST}:{public.port}/hook")

    assert deliver() == {"delivered": 0, "retrying": 1, "failed": 0}
    assert public.requests == []
    assert "CERTIFICATE_VERIFY_FAILED" in the_delivery().last_error


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirect_to_a_private_address_is_not_followed(api, world, network, servers, status):
    internal = servers()
    public = servers(status=status, headers={"Location": f"http://127.0.0.1:{internal.port}/hook"})
    network.routes[(PUBLIC, public.port)] = public.port
    registered_and_published(api, world, network, f"http://{HOST}:{public.port}/hook")

    assert deliver() == {"delivered": 0, "retrying": 1, "failed": 0}
    assert len(public.requests) == 1 and internal.requests == []
    delivery = the_delivery()
    assert delivery.last_status_code == status and "not followed" in delivery.last_error


def test_proxy_settings_from_the_environment_are_ignored(api, world, network, servers, monkeypatch):
    proxy = servers()  # a proxy would resolve HOST itself, where no check applies
    public = servers()
    network.routes[(PUBLIC, public.port)] = public.port
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv(name.upper(), f"http://127.0.0.1:{proxy.port}")
    registered_and_published(api, world, network, f"http://{HOST}:{public.port}/hook")

    assert deliver() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert proxy.requests == [] and len(public.requests) == 1


def test_the_next_vetted_address_is_tried_when_the_first_refuses(api, world, network, servers):
    public = servers()
    network.routes[(PUBLIC, public.port)] = public.port
    registered_and_published(api, world, network, f"http://{HOST}:{public.port}/hook")
    network.answers[HOST] = [("203.0.113.8", PUBLIC)]  # nothing listens on .8

    assert deliver() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert len(public.requests) == 1 and network.lookups == [HOST]
