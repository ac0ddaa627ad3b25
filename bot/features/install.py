"""Installing the features over any chat platform, without the platform's library.

Each `install_<feature>(services, chat)` builds the feature's service, registers its privacy section and
publishes its capability, and builds its flows over `chat` (a `Conversation`). `await feature.start()`
then loads what the feature needs and starts the flows (they declare the commands in `services.commands`,
route the presses in `services.routes` and register the jobs); `feature.stop()` and `feature.uninstall()`
undo it. The Discord cogs call these from their `setup()`; the Matrix run calls `install_all`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core import capabilities
from bot.core.conversation import Conversation
from bot.core.own_data import CoreFlows
from bot.core.services import Services
from bot.features.events.flows import EventsFlows
from bot.features.events.mirror import Calendar
from bot.features.events.service import EventsService
from bot.features.faq.flows import FaqFlows
from bot.features.faq.service import FaqService
from bot.features.mentoring.flows import MentoringFlows
from bot.features.mentoring.service import MentoringService
from bot.features.onboarding.flows import OnboardingFlows
from bot.features.onboarding.flows import install as install_onboarding_flows
from bot.features.onboarding.flows import uninstall as uninstall_onboarding

log = logging.getLogger(__name__)


@dataclass
class Installed:
    """One feature built over a platform: its service (None for the core), its flows, how to start and undo it."""

    name: str
    service: Any
    flows: Any
    _start: Callable[[], Awaitable[None]]
    _uninstall: Callable[[], None] = field(default=lambda: None)

    async def start(self) -> None:
        """Load what the feature needs, then start its flows."""
        await self._start()

    def stop(self) -> None:
        """Stop handling the feature's jobs, commands and presses (their rows stay for the next start)."""
        self.flows.stop()

    def uninstall(self) -> None:
        """Take back the privacy section and the capability (after `stop`)."""
        self._uninstall()


def install_core(services: Services, chat: Conversation) -> Installed:
    """`language` and `privacy show | export | delete`, and forgetting members who left."""
    flows = CoreFlows(services, chat)
    return Installed("core", None, flows, flows.start)


def install_faq(services: Services, chat: Conversation) -> Installed:
    """The translated FAQ: the starter set is loaded once, then the index, then the flows start."""
    service = FaqService(services.db, services.clock, services.jobs)
    services.privacy.register(service.privacy_section())
    services.capabilities[capabilities.FAQ] = service
    flows = FaqFlows(services, chat, service)

    async def start() -> None:
        await service.ensure_starter()
        await service.load()
        await flows.start()

    return Installed("faq", service, flows, start, lambda: uninstall_faq(services))


def uninstall_faq(services: Services) -> None:
    """Undo `install_faq` (after `stop`)."""
    services.capabilities.pop(capabilities.FAQ, None)
    services.privacy.unregister("faq")


def install_events(services: Services, chat: Conversation, calendar: Calendar | None = None) -> Installed:
    """Events and free announcements; at start, whatever has nothing pending is planned again."""
    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    services.privacy.register(service.privacy_section())
    services.capabilities[capabilities.EVENTS] = service
    flows = EventsFlows(service, services, chat, calendar)

    async def start() -> None:
        await flows.start()
        report = await service.reconcile()
        log.info("events reconciled: %d events and %d announcements re-planned, %d posts undelivered",
                 report.replanned_events, report.replanned_announcements, len(report.unposted))

    return Installed("events", service, flows, start, lambda: uninstall_events(services))


def uninstall_events(services: Services) -> None:
    """Undo `install_events` (after `stop`)."""
    services.privacy.unregister("events")
    services.capabilities.pop(capabilities.EVENTS, None)


def install_mentoring(services: Services, chat: Conversation) -> Installed:
    """Mentor profiles, matching rounds, the follow-up of each pair."""
    service = MentoringService(services.db, services.clock, services.jobs, services.guild_config,
                               zone=services.settings.zone)
    services.privacy.register(service.privacy_section())
    services.capabilities[capabilities.MENTORING] = service
    flows = MentoringFlows(service, services, chat)

    return Installed("mentoring", service, flows, flows.start, lambda: uninstall_mentoring(services))


def uninstall_mentoring(services: Services) -> None:
    """Undo `install_mentoring` (after `stop`)."""
    services.privacy.unregister("mentoring")
    services.capabilities.pop(capabilities.MENTORING, None)


def install_onboarding(services: Services, chat: Conversation, **platform: Any) -> Installed:
    """The welcome (`platform`: `OnboardingFlows`' keyword options)."""
    flows: OnboardingFlows = install_onboarding_flows(services, chat, **platform)
    return Installed("onboarding", flows.service, flows, flows.start, lambda: uninstall_onboarding(services))


async def install_all(services: Services, chat: Conversation, *, calendar: Calendar | None = None,
                      onboarding: dict[str, Any] | None = None) -> dict[str, Installed]:
    """Every feature over `chat`, started (the order of the Discord extensions: core first)."""
    installed = {
        "core": install_core(services, chat),
        "onboarding": install_onboarding(services, chat, **(onboarding or {})),
        "faq": install_faq(services, chat),
        "events": install_events(services, chat, calendar),
        "mentoring": install_mentoring(services, chat),
    }
    for feature in installed.values():
        await feature.start()
    return installed
