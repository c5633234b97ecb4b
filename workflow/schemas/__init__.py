"""marshmallow schemas: what comes in (load, strict: unknown fields are
refused) and what goes out (dump)."""
from .inputs import (CommentIn, ItemCreateIn, ItemPatchIn, MoveIn, ReviewIn, ScheduleIn,  # noqa: F401
                     TokenIn, TransitionIn, EventsQueryIn, PasswordChangeIn)
from .outputs import (BoardOut, ChannelOut, CommentOut, EventOut, GroupOut, ItemOut,  # noqa: F401
                      MeOut, ReviewOut, dump_item)
