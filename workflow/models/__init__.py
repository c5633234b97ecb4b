"""SQLAlchemy models, one module per aggregate. Models hold data and small
derived properties; they never read the request or commit."""
from .base import utcnow  # noqa: F401
from .people import AccountLink, ApiToken, Basin, Library, User  # noqa: F401
from .groups import ChecklistEntry, Group, Membership  # noqa: F401
from .channels import BlackoutDate, Channel  # noqa: F401
from .items import Comment, Item, Label, Review, item_assignees, item_labels  # noqa: F401
from .attachments import Attachment  # noqa: F401
from .tasks import Task  # noqa: F401
from .watches import ItemWatch  # noqa: F401
from .events import Event  # noqa: F401
from .notifications import Notification, NotificationPreference, OutboxMail  # noqa: F401
from .webhooks import IdempotencyKey, Webhook, WebhookDelivery  # noqa: F401
from .publisher import PublisherLease  # noqa: F401
from .search import SearchDocument  # noqa: F401
