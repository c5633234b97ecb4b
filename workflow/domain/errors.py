"""What a service may raise. Each door (API, web, socket, CLI) renders these
in its own way; none of them is a programming error.

Messages are English. A message with variable parts is a template with
``%(name)s`` placeholders and ``params``; the door translates the template
(workflow/i18n.py) and fills it, so the domain stays free of Flask."""


def N_(text):
    """Mark ``text`` for translation: `make messages` extracts it, the door translates it."""
    return text


class DomainError(Exception):
    status = 400
    title = N_("Bad request")

    def __init__(self, detail, params=None, **extra):
        self.message = detail
        self.params = dict(params or {})
        self.detail = detail % self.params if self.params else detail
        super().__init__(self.detail)
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")


class Conflict(DomainError):
    """The request does not fit the current state (stale version, refused transition)."""

    status = 409
    title = N_("Conflict")


class RuleBroken(DomainError):
    """A business rule refuses the change (capacity, blackout date, past time...)."""

    status = 422
    title = N_("Rule broken")


class Invalid(DomainError):
    """Input that passed the schema but is still wrong (unknown channel, non-member assignee...)."""

    status = 422
    title = N_("Invalid input")

    def __init__(self, detail, errors=None, params=None, **extra):
        super().__init__(detail, params=params, **extra)
        self.errors = errors or {}


class Unauthorized(DomainError):
    status = 401
    title = N_("Authentication required")
