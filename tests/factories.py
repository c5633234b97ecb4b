"""factory_boy factories for the models (tests build data with these, not by hand)."""
import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from workflow.extensions import db
from workflow.models import Channel, Group, Item, Library, Membership, User

PASSWORD = "correct horse battery"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class LibraryFactory(Base):
    class Meta:
        model = Library

    name = factory.Sequence(lambda n: f"Médiathèque {n}")


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password_hash = _PASSWORD_HASH
    active = True
    is_coordinator = False
    is_admin = False


class GroupFactory(Base):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Groupe {n}")
    description = ""
    wip_limits = factory.LazyFunction(dict)


class MembershipFactory(Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    group = factory.SubFactory(GroupFactory)
    role = "agent"


class ChannelFactory(Base):
    class Meta:
        model = Channel

    slug = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"Canal {n}")
    daily_capacity = 3


class ItemFactory(Base):
    """An item inserted directly (no event): for read-side tests and benchmarks.
    Tests of behaviour create items through the services or the API."""

    class Meta:
        model = Item

    title = factory.Sequence(lambda n: f"Ressource {n}")
    summary = "Résumé"
    body = "Corps"
    resource_type = "video"
    state = "proposed"
    rank = factory.Sequence(lambda n: f"V{n:08d}")
    group = factory.SubFactory(GroupFactory)
    author = factory.SubFactory(UserFactory)
