"""What a service may raise. Each door (API, web, socket, CLI) renders these
in its own way; none of them is a programming error."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The request does not fit the current state (stale version, refused transition)."""

    status = 409
    title = "Conflict"


class RuleBroken(DomainError):
    """A business rule refuses the change (capacity, blackout date, past time...)."""

    status = 422
    title = "Rule broken"


class Invalid(DomainError):
    """Input that passed the schema but is still wrong (unknown channel, non-member assignee...)."""

    status = 422
    title = "Invalid input"

    def __init__(self, detail, errors=None, **extra):
        super().__init__(detail, **extra)
        self.errors = errors or {}


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"
