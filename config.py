"""Settings, one class per environment. Every value can be overridden by an
environment variable of the same name (``DATABASE_URL``, ``REDIS_URL``,
``SECRET_KEY``, ...)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _sqlalchemy_url(url):
    # Heroku-style URLs and plain postgresql:// both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(
        _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'relais.sqlite3'}")
    )
    # No SELECT 1 before every checkout (pool_pre_ping): connections are renewed after
    # DB_POOL_RECYCLE seconds, and one the server closed is noticed at checkout without
    # a round trip (workflow/database.py); one lost mid-request answers 503 (faults.py).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": int(_env("DB_POOL_RECYCLE", 1800))}
    REDIS_URL = _env("REDIS_URL")
    SOCKETIO_ASYNC_MODE = _env("SOCKETIO_ASYNC_MODE", "threading")
    # permessage-deflate on websockets: off, each event is framed once for a whole board
    # rather than compressed again for every socket (workflow/realtime/transport.py).
    SOCKETIO_DEFLATE = _env("SOCKETIO_DEFLATE", "0") == "1"
    # Redis channel shared by every process of one deployment; a write-only process
    # (the publish-due command, a timer) publishes events without listening.
    SOCKETIO_CHANNEL = _env("SOCKETIO_CHANNEL", "relais")
    SOCKETIO_WRITE_ONLY = _env("SOCKETIO_WRITE_ONLY", "0") == "1"
    DEFAULT_TIMEZONE = _env("DEFAULT_TIMEZONE", "Europe/Paris")
    # Working days (review limits, reminders, escalation, the dashboard's overdue figures)
    # skip these public holidays: a country of the `holidays` package, and optionally one
    # of its regions (for France e.g. "6AE" Alsace or "57" Moselle, which add Good Friday
    # and 26 December).
    PUBLIC_HOLIDAYS_COUNTRY = _env("PUBLIC_HOLIDAYS_COUNTRY", "FR")
    PUBLIC_HOLIDAYS_SUBDIV = _env("PUBLIC_HOLIDAYS_SUBDIV")
    DEFAULT_LOCALE = _env("DEFAULT_LOCALE", "fr")
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", 1024 * 1024))
    # Attachments (README "Attachments and covers"): the biggest file one upload may carry
    # (only the upload route takes a body over MAX_CONTENT_LENGTH), and where files live:
    # the local disk (UPLOAD_DIR, default instance/uploads/) unless STORAGE_URL=s3://bucket[/prefix],
    # then S3-compatible storage reached at S3_ENDPOINT_URL with S3_ACCESS_KEY_ID /
    # S3_SECRET_ACCESS_KEY in S3_REGION (unset: boto3's own AWS_* variables and defaults).
    MAX_ATTACHMENT_BYTES = int(_env("MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024))
    STORAGE_URL = _env("STORAGE_URL")
    UPLOAD_DIR = _env("UPLOAD_DIR")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    S3_REGION = _env("S3_REGION")
    EVENTS_PAGE_SIZE = int(_env("EVENTS_PAGE_SIZE", 200))
    # Presence updates of a board are coalesced and sent at most every PRESENCE_DELAY seconds.
    PRESENCE_DELAY = float(_env("PRESENCE_DELAY", 0.25))
    # With REDIS_URL, presence is shared by the processes; a process that dies leaves
    # its viewers listed for at most about PRESENCE_TTL + PRESENCE_TTL / 3 seconds.
    PRESENCE_TTL = float(_env("PRESENCE_TTL", 15))
    PUBLISHED_BOARD_DAYS = int(_env("PUBLISHED_BOARD_DAYS", 30))
    # The board relay (docs/realtime.md): each process reads its boards' heads from the
    # database every BOARD_POLL_INTERVAL seconds (0 = never: tests drive it by hand),
    # tells each board's sockets the head every BOARD_HEARTBEAT seconds, and checks
    # its sockets' sessions and tokens every SOCKET_AUTH_RECHECK seconds.
    BOARD_POLL_INTERVAL = float(_env("BOARD_POLL_INTERVAL", 1.0))
    BOARD_HEARTBEAT = float(_env("BOARD_HEARTBEAT", 2.0))
    SOCKET_AUTH_RECHECK = float(_env("SOCKET_AUTH_RECHECK", 1.0))
    # An Idempotency-Key whose request has not finished after this many seconds (its
    # process died) is released, so that a retry runs instead of waiting forever.
    IDEMPOTENCY_LEASE = float(_env("IDEMPOTENCY_LEASE", 30))
    # Socket events per connection: SOCKET_RATE_LIMIT per second on average (0 = no limit),
    # bursts of SOCKET_RATE_BURST; past SOCKET_RATE_DISCONNECT_AFTER refusals in a row, disconnected.
    SOCKET_RATE_LIMIT = float(_env("SOCKET_RATE_LIMIT", 20))
    SOCKET_RATE_BURST = int(_env("SOCKET_RATE_BURST", 60))
    SOCKET_RATE_DISCONNECT_AFTER = int(_env("SOCKET_RATE_DISCONNECT_AFTER", 50))
    # E-mail: sent with smtplib when MAIL_SERVER is set; always kept in the outbox
    # table and as .eml files in MAIL_OUTBOX_DIR (default instance/outbox/).
    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = int(_env("MAIL_PORT", 25))
    MAIL_USE_TLS = _env("MAIL_USE_TLS", "0") == "1"
    MAIL_USE_SSL = _env("MAIL_USE_SSL", "0") == "1"
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_OUTBOX_DIR = _env("MAIL_OUTBOX_DIR")
    # Links in mails point here (e.g. https://relais.example.org). Unset, development
    # uses the address the app is reached at (the request's, else http://HOST:PORT);
    # production warns at start (links would point at the server itself).
    PUBLIC_URL = _env("PUBLIC_URL")
    # The domain of From and Message-ID: PUBLIC_URL's host unless set.
    MAIL_DOMAIN = _env("MAIL_DOMAIN")
    # Default "Relais <relais@MAIL_DOMAIN>".
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER")
    # Notification mails of one kind to one person: after one is sent, the next ones
    # within MAIL_GROUP_WINDOW seconds wait and leave together as one mail when the
    # window closes (0 = one mail per notification).
    MAIL_GROUP_WINDOW = float(_env("MAIL_GROUP_WINDOW", 120))
    # The first day someone gets more than this many notification mails, one offers the digest.
    MAIL_DIGEST_OFFER_AFTER = int(_env("MAIL_DIGEST_OFFER_AFTER", 5))
    # The feeds' identity: calendar UIDs are relais-item-<id>@FEED_UID_DOMAIN and Atom ids
    # tag:FEED_UID_DOMAIN,FEED_TAG_DATE:… (RFC 4151: a domain you held on that date,
    # YYYY[-MM[-DD]]). Without FEED_UID_DOMAIN, PUBLIC_URL's host. Changing either changes
    # every id: subscribers would see each item twice.
    FEED_UID_DOMAIN = _env("FEED_UID_DOMAIN")
    FEED_TAG_DATE = _env("FEED_TAG_DATE", "2024")
    # The publisher (publish due items, send webhooks) runs in every served process, every
    # RELAIS_SCHEDULER_INTERVAL seconds; a database lease makes one of them publish at a time,
    # the others take over when its lease (PUBLISHER_LEASE seconds) runs out. RELAIS_SCHEDULER=0
    # turns it off (then cron runs `flask relais publish-due`). The calendar and admin pages say
    # it is late after PUBLISHER_LATE_AFTER seconds without a round (default 3 intervals, ≥ 2 min).
    SCHEDULER_ENABLED = _env("RELAIS_SCHEDULER", "1") == "1"
    SCHEDULER_INTERVAL = float(_env("RELAIS_SCHEDULER_INTERVAL", 30))
    PUBLISHER_LEASE = float(_env("PUBLISHER_LEASE", 0)) or None
    PUBLISHER_LATE_AFTER = float(_env("PUBLISHER_LATE_AFTER", 0)) or None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_CHECK_DEFAULT = False  # checked in workflow.security for cookie-authenticated writes
    WTF_CSRF_TIME_LIMIT = None
    JSON_SORT_KEYS = False
    TESTING = False
    DEBUG = False
    ENV_NAME = "base"
    # Strict-Transport-Security max-age sent on answers served over HTTPS (0 = none).
    HSTS_SECONDS = int(_env("HSTS_SECONDS", 31536000))
    # Proxies in front whose X-Forwarded-For/-Proto are believed (ProxyFix); 0 = none.
    TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", 0))


class DevelopmentConfig(Config):
    DEBUG = _env("FLASK_DEBUG", "0") == "1"
    ENV_NAME = "development"


class TestingConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None
    PRESENCE_DELAY = 0.0
    # A browser suite signs in hundreds of times a minute from 127.0.0.1; the tests of
    # the limits themselves set strict ones.
    LOGIN_RATE_LIMIT = "10000 per minute"
    LOGIN_USER_RATE_LIMIT = "10000 per minute"
    MAIL_SERVER = None
    MAIL_OUTBOX_DIR = os.path.join(os.environ.get("TMPDIR", "/tmp"), "relais-test-outbox")
    UPLOAD_DIR = os.path.join(os.environ.get("TMPDIR", "/tmp"), "relais-test-uploads")
    STORAGE_URL = None
    SCHEDULER_ENABLED = False
    BOARD_POLL_INTERVAL = 0.0
    # scrypt's defaults are deliberately slow; tests hash many passwords.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_recycle": int(_env("DB_POOL_RECYCLE", 1800)),
        "pool_size": int(_env("DB_POOL_SIZE", 10)),
        "max_overflow": int(_env("DB_MAX_OVERFLOW", 10)),
    }


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name=None):
    """The config class named by ``name`` or ``RELAIS_ENV`` (development by default)."""
    return CONFIGS[(name or _env("RELAIS_ENV", "development")).lower()]
