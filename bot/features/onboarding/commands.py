"""The welcome's commands, declared once (`bot.core.commands`) with their handlers, for every platform.

`/welcome start` (every member, also from a direct conversation), `/welcome queue` (volunteers),
`/welcome stats` and `/welcome setup` (organizers). The setup is the one writer of the place registry
(`bot.core.places`): channels and rooms arrive as the platform's ids as text, roles as label ids.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.core import places
from bot.core.access import Capability
from bot.core.areas import MAX_AREAS, areas_of
from bot.core.capabilities import HELP_TOPICS
from bot.core.commands import Call, Param, Where
from bot.core.conversation import Exchange, Label, Message, Parts, Text
from bot.core.errors import UserError
from bot.core.i18n import N_, Items
from bot.core.languages import LANGUAGES
from bot.core.text import clean_text
from bot.features.onboarding.model import AREA, AREA_OTHER, FUNNEL_PATH, STAGE_TITLES, STEP_TITLES, TOPIC_TITLES
from bot.features.onboarding.steps import language_name

if TYPE_CHECKING:
    from bot.features.onboarding.flows import OnboardingFlows

FEATURE = "onboarding"
#: The longest welcome text and area name organizers may set.
WELCOME_TEXT_LIMIT = 300
AREA_LIMIT = 100
#: The setup's place options, in the order of the slash declaration.
PLACE_OPTIONS: tuple[tuple[str, places.Place], ...] = (
    ("welcome_channel", places.WELCOME), ("start_channel", places.START), ("volunteers_channel", places.VOLUNTEERS),
    ("organizers_channel", places.ORGANIZERS), ("announcements_channel", places.ANNOUNCEMENTS),
    ("coordinators_channel", places.COORDINATORS), ("pairs_channel", places.PAIRS),
    ("translators_channel", places.TRANSLATORS),
)
SETUP_PARAMS = (*(Param(name, required=False) for name, _place in PLACE_OPTIONS),
                Param("newcomer_role", required=False), Param("areas", required=False),
                Param("language", required=False), Param("welcome_text", required=False),
                Param("role_for", required=False), Param("role", required=False))


def _stored(platform_id: str) -> int | str:
    return int(platform_id) if platform_id.isdigit() else platform_id


def declare(flows: OnboardingFlows) -> None:
    """Declare the welcome's commands with handlers bound to `flows`."""
    handlers = Handlers(flows)
    commands = flows.services.commands
    commands.declare(FEATURE, ("welcome", "start"), N_("Start your welcome, or see and change your answers"),
                     handlers.start, where=Where.ANYWHERE)
    commands.declare(FEATURE, ("welcome", "queue"), N_("Newcomers who would like a hello (volunteers)"),
                     handlers.queue, needs=(Capability.VOLUNTEER, Capability.ORGANIZER))
    commands.declare(FEATURE, ("welcome", "stats"), N_("How many newcomers reached each welcome step (organizers)"),
                     handlers.stats, needs=(Capability.ORGANIZER,))
    commands.declare(FEATURE, ("welcome", "setup"), N_("Set the welcome channels, roles, areas and texts (organizers)"),
                     handlers.setup, params=SETUP_PARAMS, needs=(Capability.ORGANIZER,))


class Handlers:
    """The handlers of the welcome's commands."""

    def __init__(self, flows: OnboardingFlows) -> None:
        self.flows = flows
        self.services = flows.services

    async def start(self, turn: Exchange, call: Call) -> None:
        """Open the member's own welcome."""
        await self.flows.open(turn)

    async def queue(self, turn: Exchange, call: Call) -> None:
        """Unclaimed newcomers, with what they agreed to share."""
        t = self.services.translator(turn.language)
        waiting = await self.flows.service.queue(int(turn.community or 0))
        if not waiting:
            await turn.answer(Message.of(t._("Nobody is waiting for a hello right now.")))
            return
        parts = Parts()
        lines = [t.n_("{n} newcomer would like a hello:", "{n} newcomers would like a hello:", len(waiting))]
        for state in waiting:
            language = await self.services.prefs.language(state.user_id) or "en"
            topics = t.join([t._(TOPIC_TITLES[x]) for x in state.help_topics]) if state.help_topics else "-"
            lines.append(f"• {parts.mention(state.user_id)}: {t.clauses([language_name(t, language), topics])}")
        await turn.answer(Message(parts.text("\n".join(lines))))

    async def stats(self, turn: Exchange, call: Call) -> None:
        """The funnel, aggregates only."""
        t = self.services.translator(turn.language)
        counts = await self.flows.service.stats(int(turn.community or 0))
        lines = [t._("Welcome funnel (all time, no names):")]
        previous: int | None = None
        for stage in FUNNEL_PATH:
            count = counts[stage]
            line = f"• {t._(STAGE_TITLES[stage])}: {t.number(count)}"
            if previous:
                lost = max(previous - count, 0)
                line += " " + t._("({lost} fewer than the step before, {percent}%)", lost=t.number(lost),
                                  percent=t.number(round(100 * lost / previous)))
            lines.append(line)
            previous = count
        for stage in ("consented", "declined"):
            lines.append(f"• {t._(STAGE_TITLES[stage])}: {t.number(counts[stage])}")
        await turn.answer(Message.of("\n".join(lines)))

    async def setup(self, turn: Exchange, call: Call) -> None:
        """Store the given settings (all checked first: a refusal changes nothing) and show them all."""
        guild_id = int(turn.community or 0)
        flows = self.flows
        changes: dict[str, Any] = {}
        areas, language, welcome_text = call.get("areas"), call.get("language"), call.get("welcome_text")
        if areas is not None:
            given = [clean_text(part, limit=AREA_LIMIT, field=N_("the places"), required=False)
                     for part in re.split(r"[,;\n]", areas)]
            given = list(dict.fromkeys(part for part in given if part and part.lower() != AREA_OTHER))
            if not given or len(given) > MAX_AREAS:
                raise UserError(N_("Please give between 1 and 24 places, separated by commas, each at most 100 "
                                   "characters."))
            changes["areas"] = given
        if welcome_text is not None or language is not None:
            if welcome_text is None or language not in LANGUAGES:
                raise UserError(N_("Please give both a language code (such as sv or ar) and a welcome text of at "
                                   "most 300 characters."))
            cleaned = clean_text(welcome_text, limit=WELCOME_TEXT_LIMIT, field=N_("the welcome text"))
            texts = dict(await flows.config(guild_id, "welcome_text", {}))
            texts[language] = cleaned
            changes["welcome_text"] = texts
        chosen = {place: str(call[name]).strip() for name, place in PLACE_OPTIONS if call.get(name)}
        if call.get("newcomer_role"):
            changes["newcomer_role"] = _stored(str(call["newcomer_role"]).strip())
        role_for, role = call.get("role_for"), call.get("role")
        if role_for is not None or role is not None:
            key = (role_for or "").strip().lower()
            if not role or (key not in LANGUAGES and key not in HELP_TOPICS):
                raise UserError(N_("Please give both a role and what it is for: a language code ({languages}) or a "
                                   "help topic ({topics})."),
                                languages=Items(LANGUAGES, "or"), topics=Items(HELP_TOPICS, "or"))
            kind = "language_roles" if key in LANGUAGES else "help_roles"
            mapping = dict(changes.get(kind) or await flows.config(guild_id, kind, {}))
            mapping[key] = _stored(str(role).strip())
            changes[kind] = mapping
        # One transaction: a crash cannot leave half a setup behind.
        await self.services.places.choose(guild_id, chosen, also={f"onboarding.{k}": v for k, v in changes.items()})
        if places.START in chosen:
            await flows.ensure_start(guild_id)  # the Start button follows to the new channel
        await turn.answer(Message(await self.summary(turn, guild_id, saved=bool(changes or chosen))))

    async def summary(self, turn: Exchange, guild_id: int, *, saved: bool) -> Text:
        """Every welcome setting as it is now."""
        t = self.services.translator(turn.language)
        flows = self.flows
        parts = Parts()
        lines = [t._("Saved.") if saved else t._("Nothing was changed. The current welcome settings:")]
        for place in places.PLACES:
            found = await flows.chat.locate(guild_id, place)
            lines.append(f"• {t._(place.title)}: {parts.place(found) if found else '-'}")
        newcomer = await flows.config(guild_id, "newcomer_role")
        role_title = t._("Newcomer role")
        lines.append(f"• {role_title}: {parts.label(Label(str(newcomer) if newcomer else None, 'newcomer'))}")
        mapped = {**await flows.config(guild_id, "language_roles", {}),
                  **await flows.config(guild_id, "help_roles", {})}
        if mapped:
            pairs = [f"{key} → {parts.label(Label(str(value), key))}" for key, value in sorted(mapped.items())]
            own_roles = t._("Own roles (otherwise lang-<code> and help-<topic>)")
            lines.append(f"• {own_roles}: {t.join(pairs, 'unit')}")
        areas = await areas_of(self.services.guild_config, guild_id)
        lines.append(f"• {t._(STEP_TITLES[AREA])}: {parts.said(t.join(areas))}")
        return parts.text("\n".join(lines))

