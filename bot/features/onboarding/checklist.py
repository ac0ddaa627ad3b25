"""The personal first-steps checklist, built from the member's help topics.

Items are msgids translated when shown; FAQ entries and events come, already translated, from the
FAQ and events capabilities when they are installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.capabilities import LinkItem
from bot.core.conversation import CommandRef
from bot.core.i18n import N_

#: The FAQ command, filled into `{command}` of the items.
FAQ_COMMAND = CommandRef(("faq",))
#: Always on the list.
GENERAL_ITEMS: tuple[str, ...] = (
    N_("Ask your questions any time with {command}; volunteers in this server are happy to help."),
)

#: One or two concrete first steps per help topic.
TOPIC_ITEMS: dict[str, tuple[str, ...]] = {
    "work": (N_("Register at Arbetsförmedlingen (the Public Employment Service) and ask about validation of "
                "your education."),),
    "housing": (N_("Ask the municipality's housing company about flats, and never send a deposit to a "
                   "stranger by money transfer."),),
    "swedish": (N_("Apply for SFI (free Swedish lessons for adults) at the municipality's adult education, and "
                   "come to the language café."),),
    "school": (N_("Apply for förskola (preschool) at least four months ahead; school is free and "
                  "compulsory."),),
    "healthcare": (N_("Your first stop is the hälsocentral (local health centre); call 1177 for advice and 112 "
                      "in an emergency. You may ask for a free interpreter."),),
    "everyday": (N_("Get a personnummer (personal identity number) at Skatteverket: you need it for a bank "
                    "account and BankID."),),
    "social": (N_("Come to one of our events, or say hello in the general channel."),),
}


@dataclass(slots=True)
class Checklist:
    """What the member sees at the end: steps to take, matching answers and upcoming events."""

    items: list[str]
    faq: list[LinkItem] = field(default_factory=list)
    events: list[LinkItem] = field(default_factory=list)


def build_items(topics: list[str]) -> list[str]:
    """The checklist's own items (msgids) for these topics, in topic order, general ones last."""
    items: list[str] = []
    for topic in topics:
        items.extend(TOPIC_ITEMS.get(topic, ()))
    items.extend(GENERAL_ITEMS)
    return items
