"""Who may do what: checked inside the bot for every privileged action.

Discord's `default_permissions` only hide commands in the client; they are not a check. Every
volunteer, organizer, coordinator or translator action calls `Access.allows()` with the member's
current role ids, as sent with the interaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from bot.core.settings import RoleIds


class Capability(Enum):
    """A kind of privileged work."""

    VOLUNTEER = "volunteer"
    ORGANIZER = "organizer"
    COORDINATOR = "coordinator"
    TRANSLATOR = "translator"


class Access:
    """Decides from role ids; server managers (Manage Server or Administrator) may do everything."""

    def __init__(self, roles: RoleIds) -> None:
        self._role_for = {
            Capability.VOLUNTEER: roles.volunteer,
            Capability.ORGANIZER: roles.organizer,
            Capability.COORDINATOR: roles.coordinator,
            Capability.TRANSLATOR: roles.translator,
        }

    def role_id(self, capability: Capability) -> int | None:
        """The configured role id for a capability (None when unset)."""
        return self._role_for[capability]

    def allows(self, member_role_ids: Iterable[int], *capabilities: Capability, is_manager: bool = False) -> bool:
        """True when the member holds the role of any of `capabilities`, or manages the server."""
        if is_manager:
            return True
        held = set(member_role_ids)
        return any((role := self._role_for[cap]) is not None and role in held for cap in capabilities)
