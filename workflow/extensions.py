"""Every Flask extension, created unbound and bound in ``create_app``."""
from flask_limiter import Limiter
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()
babel = Babel()


def client_address():
    """The peer's address as the WSGI server saw it — never a header the client
    sets (X-Forwarded-For is trusted only when ProxyFix is configured in front)."""
    from flask import request

    return request.remote_addr or "unknown"


# No default limits: only the routes that need one (login, token exchange) declare it.
limiter = Limiter(key_func=client_address, default_limits=[])
