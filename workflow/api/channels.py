"""Publication channels."""
from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Channel
from ..schemas import ChannelOut
from .blueprint import bp
from .common import caller


@bp.get("/channels")
def list_channels():
    caller()
    channels = db.session.scalars(
        select(Channel).options(selectinload(Channel.blackout_dates)).order_by(Channel.name))
    from .feeds import atom_url

    return jsonify([{**ChannelOut().dump(c), "atom_url": atom_url(c)} for c in channels])
