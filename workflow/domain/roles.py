"""Roles a person can hold towards a working group or the whole network."""

AGENT = "agent"
LEAD = "lead"
COORDINATOR = "coordinator"
ADMIN = "admin"
SYSTEM = "system"  # the scheduler publishing due items

MEMBERSHIP_ROLES = (AGENT, LEAD)
ALL_ROLES = (AGENT, LEAD, COORDINATOR, ADMIN)

from dataclasses import dataclass, field  # noqa: E402


@dataclass(frozen=True)
class Actor:
    """Who is acting, as far as one group is concerned.

    ``group_role`` is the membership role in the group of the thing acted on
    (None when not a member); coordinator/admin are network-wide flags.
    """

    user_id: int | None
    group_role: str | None = None
    is_coordinator: bool = False
    is_admin: bool = False
    is_system: bool = False
    roles: frozenset = field(default=frozenset(), compare=False)

    def __post_init__(self):
        roles = set()
        if self.group_role:
            roles.add(self.group_role)
        if self.is_coordinator:
            roles.add(COORDINATOR)
        if self.is_admin:
            roles.add(ADMIN)
        if self.is_system:
            roles.add(SYSTEM)
        object.__setattr__(self, "roles", frozenset(roles))

    @property
    def is_member(self):
        return self.group_role in MEMBERSHIP_ROLES

    @property
    def is_lead(self):
        return self.group_role == LEAD

    @property
    def sees_all_groups(self):
        return self.is_coordinator or self.is_admin or self.is_system

    def can_see_group(self):
        return self.is_member or self.sees_all_groups


SYSTEM_ACTOR = Actor(user_id=None, is_system=True)
