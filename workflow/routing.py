"""Ids in URL paths. Every ``<int:…>`` of the app names a row of an INTEGER column
(32-bit on PostgreSQL), so a larger number names nothing. It is read as ``NO_ROW``, an id
no row has: the view answers its own 404 ("no such item") after the same permission
checks as for any other id — on SQLite as on PostgreSQL, where the number itself would
overflow the column in the driver. (Refusing it in the route instead would make Werkzeug
answer 405 when another method's rule has the same path.)"""
from werkzeug.routing import IntegerConverter

from .schemas.inputs import MAX_ID

NO_ROW = -1


class RowIdConverter(IntegerConverter):
    def to_python(self, value):
        number = super().to_python(value)
        return NO_ROW if number > MAX_ID else number


def init_app(app):
    """Before any rule is added: rules take their converters when they are bound."""
    app.url_map.converters["int"] = RowIdConverter
