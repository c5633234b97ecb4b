"""Werkzeug compiles every rule of every app it binds — parses it and writes two
URL-builder functions as Python source through ``ast`` and ``compile``: 50 ms of CPU
for Relais's 580 rules, paid again by each test's own app. What a rule compiles to
depends only on the rule and on its map's settings (its converters keep a reference to
the map but never read it), so the suite compiles each rule once per process and later
apps' rules take the result. Production builds one app per process and is unchanged."""
from werkzeug.routing import rules as _rules

_compile = _rules.Rule.compile
_compiled = {}


def _key(rule):
    routing = rule.map
    return (rule.rule, rule.subdomain, rule.host, rule.merge_slashes, rule.websocket, routing.host_matching,
            routing.merge_slashes, tuple(sorted((name, repr(value)) for name, value in (rule.defaults or {}).items())),
            tuple(sorted((name, id(cls)) for name, cls in routing.converters.items())))


def _shared_compile(self):
    key = _key(self)
    done = _compiled.get(key)
    if done is None:
        _compile(self)
        _compiled[key] = (tuple(self._parts), tuple(self._trace), dict(self._converters), frozenset(self.arguments),
                          self._build.__func__, self._build_unknown.__func__)
        return
    parts, trace, converters, arguments, build, build_unknown = done
    self._parts = list(parts)
    self._trace = list(trace)
    self._converters = dict(converters)
    self.arguments.update(arguments)
    self._build = build.__get__(self, None)
    self._build_unknown = build_unknown.__get__(self, None)


def install():
    _rules.Rule.compile = _shared_compile
