"""API answers encoded with orjson: the board's thousand cards and the event log
encode several times faster than with the standard library. The JSON is the same
document (same keys, sorted as Flask sorts them, same values, dates through the
app's own ``default`` as before); only ``response()`` changes, so templates'
``tojson`` and every other ``dumps`` keep the standard encoder. Anything orjson
refuses (an integer beyond 64 bits, indentation in debug) falls back to it."""
import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


class OrjsonProvider(DefaultJSONProvider):
    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented, for a person reading it
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except TypeError:  # orjson.JSONEncodeError: let the standard encoder answer (or raise)
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)


def init_app(app):
    app.json = OrjsonProvider(app)
