"""Socket.IO: authenticated connections, one room per board, events pushed
after commit. With REDIS_URL set, every process shares events and board
presence through Redis."""
import socketio as socketio_lib

from ..extensions import socketio





def _client_manager(app):
    """Where rooms live: in this process, or in Redis shared by every process.
    Built here rather than by Flask-SocketIO because its ``init_app`` keeps the
    previous manager in its options: a second app in the same process (tests,
    tools) would otherwise inherit the first one's Redis queue."""
    url = app.config.get("REDIS_URL")
    if not url:
        return socketio_lib.Manager()
    # A write-only manager (CLI, workers) publishes to Redis without listening.
    return socketio_lib.RedisManager(url, channel=app.config.get("SOCKETIO_CHANNEL", "relais"),
                                     write_only=bool(app.config.get("SOCKETIO_WRITE_ONLY", False)))


def _presence(app):
    """Board presence: in this process's memory, or in Redis shared by every
    process when REDIS_URL is set (keys under ``<SOCKETIO_CHANNEL>:presence``,
    so deployments that share a Redis keep apart as their events do)."""
    from .presence import Presence, RedisPresence

    url = app.config.get("REDIS_URL")
    if not url:
        return Presence()

    def announce(group_ids):
        """A dead process's viewers were dropped (or ours restored): tell the boards."""
        from .handlers import broadcast_presence

        with app.app_context():
            for group_id in group_ids:
                broadcast_presence(group_id)

    return RedisPresence.from_url(url, prefix=f"{app.config.get('SOCKETIO_CHANNEL', 'relais')}:presence",
                                  ttl=app.config.get("PRESENCE_TTL", 15), on_change=announce)


def init_app(app):
    socketio.init_app(app,
                      async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "threading"),
                      cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS") or None,
                      manage_session=False,
                      message_queue=app.config.get("REDIS_URL"),
                      client_manager=_client_manager(app))
    from .transport import install

    install(socketio.server, deflate=app.config.get("SOCKETIO_DEFLATE", False))

    from .handlers import register

    app.extensions["relais_presence"] = _presence(app)

    from .ratelimit import SocketRateLimiter

    app.extensions["relais_socket_limiter"] = SocketRateLimiter.from_config(app.config)
    register(socketio, app.extensions["relais_socket_limiter"])

    from .relay import BoardRelay

    relay = BoardRelay(app, socketio, redis_url=app.config.get("REDIS_URL"),
                       channel=app.config.get("SOCKETIO_CHANNEL", "relais"),
                       poll_interval=app.config.get("BOARD_POLL_INTERVAL", 1.0),
                       heartbeat=app.config.get("BOARD_HEARTBEAT", 2.0),
                       auth_recheck=app.config.get("SOCKET_AUTH_RECHECK", 1.0))
    app.extensions["relais_relay"] = relay
    # Board events reach the sockets through the relay, from the committed log (relay.py).
    app.extensions["relais_publisher"].add_sink(relay.committed)
    app.extensions["relais_publisher"].add_session_sink(relay.sessions_changed)

    from . import notifications

    notifications.init_app(app)
