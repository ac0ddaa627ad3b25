"""Events' commands, declared once for every platform (`services.commands`), with their handlers.

Each handler takes the member's turn and the options as a member would type them (an event's
number, a place's id, a date as text), never a platform object, and answers through the port.
Who may run a command is the declaration's `needs` (checked once, in `Commands.run`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.access import Capability
from bot.core.commands import Call, Kind, Param
from bot.core.conversation import (
    Action,
    Attachment,
    Button,
    Exchange,
    Message,
    Parts,
    PlaceRef,
    Style,
    Text,
)
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.languages import LANGUAGES
from bot.core.notices import allow_button
from bot.features.events.posts import render_announcement
from bot.features.events.recurrence import Occurrence
from bot.features.events.repository import Event
from bot.features.events.service import EventChanges, EventDraft, parse_fold
from bot.features.events.timeparse import format_local, parse_date

if TYPE_CHECKING:
    from bot.features.events.flows import EventsFlows

ORGANIZERS = (Capability.ORGANIZER,)
#: The slash declaration's choices (values and their names as declared there).
REPEATS = (("none", "once"), ("weekly", "weekly"), ("biweekly", "every other week"),
           ("monthly", "monthly (same weekday)"))
FOLDS = (("first", "first (summer time)"), ("second", "second (winter time)"))
LANGUAGE_CHOICES = tuple((code, lang.native_name) for code, lang in LANGUAGES.items())
STATUS_TEXT = {
    "going": N_("Going"),
    "maybe": N_("Maybe"),
    "cant": N_("Can't"),
    "waiting": N_("Waiting list"),
}
#: A cancelled series' dates are counted, not listed; the confirmation names this many of them.
NAMED_DATES = 3


def _place(text: str | None) -> int | str | None:
    """A place as a member picked or typed it: the platform's id (a number on Discord, where a channel
    mention's digits are accepted too; a room id as text elsewhere)."""
    if not text:
        return None
    value = text.strip()
    inner = value.removeprefix("<#").removesuffix(">")
    if inner.isdigit():
        return int(inner)
    if not value or any(ch.isspace() for ch in value):
        raise UserError(N_("I could not find that channel."))
    return PlaceRef(value).stored


class EventCommands:
    """The handlers of `/event ...` and `/announce ...` (as Discord shows them; `!event ...` elsewhere)."""

    def __init__(self, flows: EventsFlows) -> None:
        self.flows = flows
        self.service = flows.service
        self.services = flows.services

    def declare(self) -> None:
        """Declare every command of the feature."""
        d = self.services.commands.declare
        event = Param("event", Kind.INTEGER)
        language = Param("language", required=False, choices=LANGUAGE_CHOICES)
        fold = Param("fold", required=False, choices=FOLDS)
        d("events", ("event", "create"), N_("Plan an event (organizers)"), self.create, needs=ORGANIZERS, params=(
            Param("title"), Param("date"), Param("time"),
            Param("duration", Kind.INTEGER, False, min_value=5, max_value=1440),
            Param("place", required=False), Param("description", required=False),
            Param("capacity", Kind.INTEGER, False, min_value=1, max_value=10000),
            Param("repeat", required=False, choices=REPEATS), Param("until", required=False),
            Param("channel", required=False), Param("announce_days", Kind.INTEGER, False, min_value=0, max_value=30),
            Param("announce_at", required=False), Param("reminders", required=False), language, fold,
            Param("mirror", Kind.BOOLEAN, False)))
        d("events", ("event", "list"), N_("The next events"), self.list)
        d("events", ("event", "show"), N_("One event in your language"), self.show, params=(event,))
        d("events", ("event", "edit"), N_("Change an event (organizers)"), self.edit, needs=ORGANIZERS, params=(
            event, Param("title", required=False), Param("description", required=False),
            Param("place", required=False), Param("date", required=False), Param("time", required=False),
            Param("duration", Kind.INTEGER, False, min_value=5, max_value=1440),
            Param("capacity", Kind.INTEGER, False, min_value=0, max_value=10000), fold))
        d("events", ("event", "cancel"), N_("Cancel an event or one of its dates (organizers)"), self.cancel,
          needs=ORGANIZERS, params=(event, Param("date", required=False)))
        d("events", ("event", "translate"), N_("Title and description in another language (organizers)"),
          self.translate, needs=ORGANIZERS, params=(
              event, Param("language", choices=LANGUAGE_CHOICES), Param("title"),
              Param("description", required=False)))
        d("events", ("event", "attendees"), N_("Who answered (organizers)"), self.attendees, needs=ORGANIZERS,
          params=(event, Param("date", required=False)))
        d("events", ("event", "mine"), N_("Events you answered"), self.mine)
        d("events", ("event", "calendar"), N_("A calendar file (.ics) for one event or for all"), self.calendar,
          params=(Param("event", Kind.INTEGER, False),))
        d("events", ("event", "reminders"), N_("Turn reminders for your events on or off"), self.reminders,
          params=(Param("enabled", Kind.BOOLEAN),))
        announcement = Param("announcement", Kind.INTEGER)
        d("events", ("announce", "schedule"), N_("Post a text in a channel at a time, once or repeating"),
          self.announce_schedule, needs=ORGANIZERS, params=(
              Param("channel"), Param("date"), Param("time"), Param("text"), language,
              Param("repeat", required=False, choices=REPEATS), Param("until", required=False), fold))
        d("events", ("announce", "translate"), N_("Add the announcement's text in another language"),
          self.announce_translate, needs=ORGANIZERS, params=(
              announcement, Param("language", choices=LANGUAGE_CHOICES), Param("text")))
        d("events", ("announce", "list"), N_("Planned announcements"), self.announce_list, needs=ORGANIZERS)
        d("events", ("announce", "preview"), N_("See an announcement as it will be posted"), self.announce_preview,
          needs=ORGANIZERS, params=(announcement,))
        d("events", ("announce", "cancel"), N_("Stop a planned announcement"), self.announce_cancel,
          needs=ORGANIZERS, params=(announcement,))

    def _t(self, turn: Exchange) -> Translator:
        return self.services.translator(turn.language)

    @staticmethod
    def _guild(turn: Exchange) -> int:
        assert turn.community is not None  # every events command is declared for the community
        return turn.community

    # ----- /event ------------------------------------------------------------------------------------
    async def create(self, turn: Exchange, call: Call) -> None:
        """Check the form and show a preview with the next dates; "Save" makes it real."""
        guild_id, t = self._guild(turn), self._t(turn)
        draft = EventDraft(
            title=call["title"], date_text=call["date"], time_text=call["time"],
            language=call.get("language") or await self.services.guild_language(guild_id),
            description=call.get("description", ""), place=call.get("place", ""), fold=parse_fold(call.get("fold")),
            duration_minutes=call.get("duration", 90), capacity=call.get("capacity"),
            repeat=call.get("repeat", "none"), until_text=call.get("until"), channel_id=_place(call.get("channel")),
            announce_days=call.get("announce_days", 1), announce_time_text=call.get("announce_at", "18:00"),
            reminders_text=call.get("reminders", "24h, 1h"), mirror=bool(call.get("mirror", False)))
        event, upcoming = await self.service.create_draft(guild_id, int(turn.user.id), draft)
        parts = Parts()
        lines = [t._("Preview of \"{title}\". The next dates, in Norsjö time:", title=parts.said(event.title))]
        lines += [f"• {t.date(o.at, 'full')}, {t.time(o.at)} ({parts.moment(o.at, 'full')})" for o in upcoming]
        if event.reminders:
            lines.append(t._("Reminders to those going: {list}", list=t.join(
                t.duration(timedelta(minutes=m)) for m in event.reminders)))
        lines.append(t._("Press Save to plan the announcements, or Discard."))
        await turn.answer(Message(parts.text("\n".join(lines)), controls=(
            Button(Action("events", "save", (str(event.id),)), t._("Save"), Style.SUCCESS),
            Button(Action("events", "discard", (str(event.id),)), t._("Discard")))))

    async def list(self, turn: Exchange, call: Call) -> None:
        """The guild's next occurrences, in the member's language."""
        guild_id, t = self._guild(turn), self._t(turn)
        found = await self.service.list_upcoming(guild_id, 10)
        if not found:
            await turn.answer(Message.of(t._("No events are planned right now.")))
            return
        parts = Parts()
        lines = [t._("The next events:")]
        for event, occ in found:
            title, _ = await self.service.texts(event, t.code)
            lines.append(f"• {parts.said(title)} ({t._('Event {id}', id=event.id)}): {parts.moment(occ.at, 'full')} · "
                         f"{t.date(occ.at, 'medium')} {t.time(occ.at)}")
        await turn.answer(Message(parts.text("\n".join(lines))))

    async def show(self, turn: Exchange, call: Call) -> None:
        """An event's next date and details, with the answers."""
        event = await self.service.get(call["event"], self._guild(turn))
        await turn.answer(await self.flows.event_message(turn.language, event))

    async def edit(self, turn: Exchange, call: Call) -> None:
        """Save the change, then update every posted announcement of dates still ahead."""
        t = self._t(turn)
        outcome = await self.service.edit(call["event"], self._guild(turn), EventChanges(
            title=call.get("title"), description=call.get("description"), place=call.get("place"),
            date_text=call.get("date"), time_text=call.get("time"), fold=parse_fold(call.get("fold")),
            duration_minutes=call.get("duration"), capacity=call.get("capacity")))
        await self.flows.posts.refresh_now(outcome.event, outcome.posts)
        for user_id, occurrence in outcome.promoted:
            await self.flows.promoted_now(outcome.event.id, occurrence, user_id)
        if outcome.event.mirror:
            await self.flows.posts.mirror_now(outcome.event.id)
        await turn.answer(Message.of(t.n_("Saved. {n} posted announcement was updated.",
                                          "Saved. {n} posted announcements were updated.", len(outcome.posts))))

    async def cancel(self, turn: Exchange, call: Call) -> None:
        """One date: cancelled at once. A repeating event as a whole: asked first, with its dates counted."""
        t = self._t(turn)
        event = await self.service.get(call["event"], self._guild(turn))
        date_text = call.get("date")
        if date_text is None and event.repeat != "none" and event.status == "active":
            upcoming = await self.service.next_occurrences(event, limit=500)
            if len(upcoming) > 1:
                await turn.answer(self.confirm_series(t, event, upcoming))
                return
        await turn.answer(await self.flows.cancel(t, event, date_text))

    def confirm_series(self, t: Translator, event: Event, dates: list[Occurrence]) -> Message:
        """"This cancels every date ahead": the next few named, the rest counted, and two buttons."""
        parts = Parts()
        named = t.join(t.date(o.at) for o in dates[:NAMED_DATES])
        command = parts.command("event", "cancel", shown_in=t.code, event=event.id,
                                date=dates[0].local.date().isoformat())
        if event.until is None:
            text = t._("{title} repeats with no end date: this cancels every date from {dates} on. To cancel one "
                       "date only, give {command}.", title=parts.said(event.title), dates=named, command=command)
        else:
            text = t.n_("{title} repeats: this cancels its {n} date ahead ({dates}). To cancel one date only, give "
                        "{command}.",
                        "{title} repeats: this cancels all {n} dates ahead, starting {dates}. To cancel one date "
                        "only, give {command}.", len(dates), title=parts.said(event.title), dates=named,
                        command=command)
        return Message(parts.text(text), controls=(
            Button(Action("events", "cancel-all", (str(event.id),)), t._("Cancel every date"), Style.DANGER),
            Button(Action("events", "keep", (str(event.id),)), t._("Keep the event"))))

    async def translate(self, turn: Exchange, call: Call) -> None:
        """Store a translation; members reading that language see it, and the post's buttons show it."""
        t = self._t(turn)
        event = await self.service.translate(call["event"], self._guild(turn), call["language"], call["title"],
                                             call.get("description", ""))
        for post in await self.service.posted(event.id):
            self.flows.posts.refresh_soon(post.id)
        await turn.answer(Message.of(t._("Saved the {language} text.",
                                         language=LANGUAGES[call["language"]].native_name)))

    async def attendees(self, turn: Exchange, call: Call) -> None:
        """Going, maybe, can't and the waiting list for the next (or a given) date."""
        t = self._t(turn)
        ev = await self.service.get(call["event"], self._guild(turn))
        now = self.services.clock.now()
        upcoming = await self.service.next_occurrences(ev, after=now - timedelta(minutes=ev.duration_minutes),
                                                       limit=200)
        if call.get("date"):
            day = parse_date(call["date"], now.astimezone(ev.zone).date())
            upcoming = [o for o in upcoming if o.local.date() == day]
        if not upcoming:
            raise UserError(N_("This event has no more dates."))
        occ = upcoming[0]
        people = await self.service.attendees(ev.id, format_local(occ.local))
        parts = Parts()
        lines = [f"{parts.said(ev.title)}, {t.date(occ.at, 'full')} {t.time(occ.at)}"]
        for status in ("going", "waiting", "maybe", "cant"):
            names = " ".join(parts.mention(uid) for uid in people[status]) or "-"
            lines.append(f"{t._(STATUS_TEXT[status])} ({t.number(len(people[status]))}): {names}")
        await turn.answer(Message(parts.text("\n".join(lines))))

    async def mine(self, turn: Exchange, call: Call) -> None:
        """The member's upcoming answers, their waiting-list places and which reminders they will get."""
        t, user_id = self._t(turn), int(turn.user.id)
        items = await self.service.mine(self._guild(turn), user_id)
        if not items:
            await turn.answer(Message.of(t._("You have not answered any upcoming event.")))
            return
        reminders = await self.service.reminders_enabled(user_id)
        can_write = await self.services.notices.can_write(user_id)
        parts = Parts()
        lines = [t._("Your events:")]
        for item in items:
            title, _ = await self.service.texts(item.event, t.code)
            at = item.occurrence.at
            status = (t._("number {position} on the waiting list", position=t.number(item.position))
                      if item.status == "waiting" else t._(STATUS_TEXT[item.status]))
            line = f"• {parts.said(title)}: {parts.moment(at, 'full')} · {t.date(at)} {t.time(at)} · {status}"
            if item.status == "going" and item.event.reminders and reminders:
                line += " · " + t._("reminders {times} before", times=t.join(
                    t.duration(timedelta(minutes=m)) for m in item.event.reminders))
            lines.append(line)
        controls: tuple[Button, ...] = ()
        if not reminders:
            lines.append(t._("Reminders are off. Turn them on with {command}.",
                             command=parts.command("event", "reminders", shown_in=t.code, enabled="true")))
        elif not can_write:
            lines.append(t._("Reminders and waiting-list news reach you by direct message only once you allow it; "
                             "until then you see them here the next time you use the bot."))
            controls = (allow_button(t),)
        await turn.answer(Message(parts.text("\n".join(lines)), controls=controls))

    async def calendar(self, turn: Exchange, call: Call) -> None:
        """An .ics file in the member's language, times in the configured zone."""
        guild_id, t = self._guild(turn), self._t(turn)
        if call.get("event") is not None:
            events = [await self.service.get(call["event"], guild_id)]
        else:
            seen: dict[int, Event] = {}
            for ev, _occ in await self.service.list_upcoming(guild_id, 100):
                seen.setdefault(ev.id, ev)
            events = list(seen.values())
        if not events:
            await turn.answer(Message.of(t._("No events are planned right now.")))
            return
        text = await self.service.calendar_file(events, t.code)
        name = f"event-{events[0].id}.ics" if call.get("event") is not None else "events.ics"
        await turn.answer(Message(Text.plain(t._("Open the file to add it to your calendar.")),
                                  files=(Attachment(name, text.encode("utf-8"), "text/calendar"),)))

    async def reminders(self, turn: Exchange, call: Call) -> None:
        """The member's own reminder setting; never promises a reminder that cannot reach them."""
        t, user_id = self._t(turn), int(turn.user.id)
        enabled = bool(call["enabled"])
        await self.service.set_reminders(user_id, enabled)
        if enabled and not await self.services.notices.can_write(user_id):
            await turn.answer(Message.of(t._(
                "Reminders are on, but I can only send them by direct message, and you have not allowed that yet. "
                "Press the button to allow it."), allow_button(t)))
            return
        await turn.answer(Message.of(t._("Reminders are on.") if enabled else t._("Reminders are off.")))

    # ----- /announce ---------------------------------------------------------------------------------
    async def announce_schedule(self, turn: Exchange, call: Call) -> None:
        """Plan the announcement; more languages with a translation."""
        guild_id, t = self._guild(turn), self._t(turn)
        channel_id = _place(call["channel"])
        assert channel_id is not None
        ann = await self.service.create_announcement(
            guild_id, int(turn.user.id), channel_id, call["date"], call["time"],
            call.get("language") or await self.services.guild_language(guild_id), call["text"],
            fold=parse_fold(call.get("fold")), repeat=call.get("repeat", "none"), until_text=call.get("until"))
        at = self.service.first_time(ann)
        parts = Parts()
        await turn.answer(Message(parts.text(t._(
            "Announcement {id} is planned for {when} in {channel}.", id=ann.id,
            when=t.when(at), channel=parts.place(PlaceRef.of(channel_id))))))

    async def announce_translate(self, turn: Exchange, call: Call) -> None:
        """Another language in the same post."""
        t = self._t(turn)
        await self.service.add_announcement_text(call["announcement"], self._guild(turn), call["language"],
                                                 call["text"])
        await turn.answer(Message.of(t._("Saved the {language} text.",
                                         language=LANGUAGES[call["language"]].native_name)))

    async def announce_list(self, turn: Exchange, call: Call) -> None:
        """Active announcements with their next time."""
        t = self._t(turn)
        found = await self.service.list_announcements(self._guild(turn))
        if not found:
            await turn.answer(Message.of(t._("No announcements are planned.")))
            return
        parts = Parts()
        lines = []
        for ann, nxt in found:
            when = f"{t.date(nxt.at)} {t.time(nxt.at)}" if nxt else "-"
            languages = t.join(LANGUAGES[code].native_name for code, _ in ann.texts if code in LANGUAGES)
            body = ann.texts[0][1]
            preview = body if len(body) <= 60 else body[:59] + "…"
            lines.append(f"• {ann.id}: {parts.place(PlaceRef.of(ann.channel_id))} · {when} · {languages} · "
                         f"{parts.said(preview)}")
        await turn.answer(Message(parts.text("\n".join(lines))))

    async def announce_preview(self, turn: Exchange, call: Call) -> None:
        """The post, privately."""
        ann = await self.service.announcement(call["announcement"], self._guild(turn))
        await turn.answer(Message(render_announcement(ann.texts)))

    async def announce_cancel(self, turn: Exchange, call: Call) -> None:
        """Nothing more is posted."""
        t = self._t(turn)
        await self.service.cancel_announcement(call["announcement"], self._guild(turn))
        await turn.answer(Message.of(t._("Announcement {id} is cancelled.", id=call["announcement"])))

