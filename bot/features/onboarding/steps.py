"""What each step of the welcome shows, as port messages: the question, its choices and buttons.

Pure rendering (a translator and the member's state in, a `Message` out), for every platform: a
Discord adapter lays the choices out as menus and buttons, a Matrix adapter as numbered choices.
Every control's `Action` keeps the wire form the welcome always had (`onb:step:<owner>:<step>:<value>`,
`onb:pick:<owner>:<step>`, `onb:start`, `onb:claim:<newcomer>`), so buttons on old messages keep working.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from bot.core.capabilities import HELP_TOPICS, LinkItem
from bot.core.conversation import (
    Action,
    Button,
    Card,
    Choice,
    Message,
    Option,
    Parts,
    Said,
    Style,
    Text,
    UserRef,
)
from bot.core.i18n import N_, Translator
from bot.core.languages import LANGUAGES
from bot.core.notices import allow_button
from bot.features.onboarding.checklist import Checklist
from bot.features.onboarding.model import (
    AREA,
    AREA_OTHER,
    AREA_OTHER_TITLE,
    CONSENT,
    LANGUAGE,
    MENTOR,
    STEP_TITLES,
    TOPIC_TITLES,
    TOPICS,
    MemberState,
    topics_to_bits,
)
from bot.features.onboarding.service import FORMER_VOLUNTEER

#: The feature name in the controls' actions (the welcome's custom ids always began with it).
FEATURE = "onb"
START = Action(FEATURE, "start")
#: The steps with a number ("Step 2 of 5").
NUMBERED = (LANGUAGE, CONSENT, TOPICS, AREA, MENTOR)
#: Areas offered in one choice (with "other"): at most 25 options on any platform that has menus.
AREAS_SHOWN = 24
#: The short line of the first step, shown in every language so that anyone finds their own.
CHOOSE_LANGUAGE = N_("Choose your language.")


def owner_of(user: UserRef) -> str:
    """The token in a control that says whose welcome it belongs to: the id itself where it is a number
    (Discord, as always), else a short digest (a Matrix id has colons, which the wire form separates by)."""
    if user.id.isdigit():
        return user.id
    return "h" + hashlib.sha256(user.id.encode()).hexdigest()[:16]


def step_action(owner: str, step: str, value: str) -> Action:
    """A button of the flow: an answer, "change", "dm", "summary" or "rejoin"."""
    return Action(FEATURE, "step", (owner, step, value))


def pick_action(owner: str, step: str) -> Action:
    """A choice of the flow: language, help topics, area."""
    return Action(FEATURE, "pick", (owner, step))


def claim_action(newcomer: int | str) -> Action:
    """"I'll say hello" on a volunteer card."""
    return Action(FEATURE, "claim", (str(newcomer),))


def area_title(t: Translator, area: str | None) -> str | None:
    """An area as shown ("other" translated)."""
    return t._(AREA_OTHER_TITLE) if area == AREA_OTHER else area


def language_name(t: Translator, code: str) -> str:
    """A language's name in the reader's language (its own name when Babel has none)."""
    if code not in LANGUAGES:
        return code
    return t.locale.languages.get(code) or LANGUAGES[code].native_name


def every_language(translator: Callable[[str], Translator]) -> Text:
    """One short line per language, each in its own words: someone who reads none of the others finds theirs."""
    lines: dict[str, list[str]] = {}
    for code, language in LANGUAGES.items():
        line = translator(code)._(CHOOSE_LANGUAGE)
        lines.setdefault(line, []).append(language.native_name)
    return Text.plain("\n".join(f"{' · '.join(names)}: {line}" for line, names in lines.items()))


def language_choice(owner: str, translator: Callable[[str], Translator], preselected: str | None) -> Choice:
    """The languages, each named in its own script (with its English name as a hint)."""
    placeholder = " · ".join(dict.fromkeys(translator(code)._(STEP_TITLES[LANGUAGE]) for code in LANGUAGES))
    return Choice(pick_action(owner, LANGUAGE), tuple(
        Option(code, language.native_name,
               language.english_name if language.english_name != language.native_name else "",
               code == preselected)
        for code, language in LANGUAGES.items()), placeholder=placeholder)


def step_message(t: Translator, state: MemberState, owner: str, *, translator: Callable[[str], Translator],
                 areas: Sequence[str], preselected: str | None) -> Message:
    """The question of the member's current step, with its controls."""
    number = NUMBERED.index(state.step) + 1
    progress = t._("Step {number} of {total}", number=t.number(number), total=t.number(len(NUMBERED)))
    if state.step == LANGUAGE:
        controls: list[Button | Choice] = [language_choice(owner, translator, preselected)]
        if preselected in LANGUAGES:
            controls.append(Button(step_action(owner, LANGUAGE, preselected),
                                   t._("Continue in {language}", language=LANGUAGES[preselected].native_name),
                                   Style.SUCCESS))
        question = t._("Welcome! Which language would you like me to use with you?")
        return Message(Text.plain(f"{progress}\n{question}\n\n") + every_language(translator), controls=tuple(controls))
    if state.step == CONSENT:
        parts = Parts()
        text = parts.text(t._(
            "Before we continue, about your privacy. I will ask what you would like help with, where in the "
            "municipality you live and whether you would like a mentor. If you agree, your answers are stored so "
            "that volunteers can welcome you and you can change them later; you can see or delete them at any time "
            "with {command}. If you do not agree, you still get your roles and your checklist, and only your "
            "language choice is kept. I never ask about your country of origin, religion or health.",
            command=parts.command("privacy", shown_in=t.code)))
        return Message(Text.plain(progress + "\n") + text, controls=(
            Button(step_action(owner, CONSENT, "yes"), t._("Yes, store my answers"), Style.SUCCESS),
            Button(step_action(owner, CONSENT, "no"), t._("No, keep only my language"))))
    if state.step == TOPICS:
        options = tuple(Option(topic, t._(TOPIC_TITLES[topic]), selected=topic in state.help_topics)
                        for topic in HELP_TOPICS)
        question = t._("What would you like help with? You can choose several.")
        return Message.of(f"{progress}\n{question}",
                          Choice(pick_action(owner, TOPICS), options, t._("Choose one or more"), 1, len(options)),
                          Button(step_action(owner, TOPICS, "none"), t._("Skip")))
    if state.step == AREA:
        options = tuple(Option(area, area, selected=area == state.area) for area in areas[:AREAS_SHOWN])
        options += (Option(AREA_OTHER, t._(AREA_OTHER_TITLE), selected=state.area == AREA_OTHER),)
        question = t._("Which part of the municipality do you live in? This is optional.")
        return Message.of(f"{progress}\n{question}",
                          Choice(pick_action(owner, AREA), options, t._("Choose a place")),
                          Button(step_action(owner, AREA, "none"), t._("Skip")))
    return Message.of(
        f"{progress}\n"
        + t._("Would you like a mentor: a volunteer who meets you now and then and helps you find your way?"),
        Button(step_action(owner, MENTOR, "yes"), t._("Yes, please"), Style.SUCCESS),
        Button(step_action(owner, MENTOR, "no"), t._("Not now")))


def mentor_consent_message(t: Translator, owner: str) -> Message:
    """Asked when a member who keeps only their language asks for a mentor: what a mentor request keeps."""
    parts = Parts()
    text = parts.text(t._(
        "You chose to keep only your language. A mentor request is stored by the mentoring coordinators: your "
        "language, and nothing else from this welcome. May I ask for a mentor for you? You can delete it any time "
        "with {command}.", command=parts.command("privacy", shown_in=t.code)))
    return Message(text, controls=(
        Button(step_action(owner, MENTOR, "keep"), t._("Yes, ask for a mentor"), Style.SUCCESS),
        Button(step_action(owner, MENTOR, "no"), t._("Not now"))))


def rejoin_message(t: Translator, owner: str) -> Message:
    """The choice offered to a member who came back."""
    return Message.of(t._("Welcome back! Would you like to continue with your saved answers, or start over?"),
                      Button(step_action(owner, "rejoin", "continue"), t._("Continue with my saved answers"),
                             Style.SUCCESS),
                      Button(step_action(owner, "rejoin", "restart"), t._("Start over")))


def summary_message(t: Translator, state: MemberState, language: str | None, owner: str) -> Message:
    """The member's answers with a "change" button per step."""
    none = t._("not answered")
    lines = [t._("Your welcome answers:"),
             f"• {t._(STEP_TITLES[LANGUAGE])}: {LANGUAGES[language].native_name if language in LANGUAGES else none}"]
    if state.consent:
        stored_note = t._("Your answers are stored.")
        lines.append(f"• {t._(STEP_TITLES[CONSENT])}: {stored_note}")
        topics = t.join([t._(TOPIC_TITLES[x]) for x in state.help_topics]) if state.help_topics else none
        lines.append(f"• {t._(STEP_TITLES[TOPICS])}: {topics}")
        lines.append(f"• {t._(STEP_TITLES[AREA])}: {area_title(t, state.area) or none}")
        mentor = none if state.wants_mentor is None else (t._("Yes, please") if state.wants_mentor else t._("Not now"))
        lines.append(f"• {t._(STEP_TITLES[MENTOR])}: {mentor}")
    else:
        kept_note = t._("Only your language is kept.")
        lines.append(f"• {t._(STEP_TITLES[CONSENT])}: {kept_note}")
    lines.append(t._("Press a button to change an answer."))
    return Message.of("\n".join(lines), *(Button(step_action(owner, "change", step), t._(STEP_TITLES[step]))
                                          for step in NUMBERED))


def _link(t: Translator, item: LinkItem) -> Text:
    parts = Parts()
    when = f" ({t.datetime(item.when, 'short')})" if item.when else ""
    return parts.text(f"• {parts.said(item.title)}{when}: ") + Text((item.hint,))


def checklist_card(t: Translator, checklist: Checklist) -> Card:
    """The checklist: the member's steps, answers that may help and what is coming up."""
    body = Text()
    for number, item in enumerate(checklist.items):
        parts = Parts()
        line = parts.text(t._(item, command=parts.command("faq", shown_in=t.code)))
        body += ("\n" if number else "") + Text.plain("☐ ") + line
    fields: list[tuple[str, Text]] = []
    if checklist.faq:
        titles = [Text.plain("• ") + Text((Said(item.title),)) for item in checklist.faq]
        fields.append((t._("Answers that may help"), _lines(t._("Press an answer below to read it."), titles)))
    if checklist.events:
        fields.append((t._("Coming up"), _lines("", [_link(t, item) for item in checklist.events])))
    return Card(t._("Your first steps"), body, tuple(fields))


def _lines(intro: str, lines: Sequence[Text]) -> Text:
    out = Text.plain(intro)
    for line in lines:
        out += ("\n" if out else "") + line
    return out


def faq_buttons(checklist: Checklist) -> tuple[Button, ...]:
    """One press per FAQ entry of the checklist: the FAQ answers it privately in the member's language."""
    out: list[Button] = []
    for item in checklist.faq:
        slug = dict(item.hint.options).get("entry") or dict(item.hint.options).get("query")
        if slug and ":" not in slug:
            out.append(Button(Action("faq", "open", (slug,)), item.title))
    return tuple(out)


def done_message(t: Translator, state: MemberState, owner: str, checklist: Checklist, notes: Sequence[Text],
                 *, ask_to_write: bool) -> Message:
    """The end of the welcome: the checklist, the notes about roles and a mentor, and what comes next.

    `ask_to_write`: the member asked for something the bot will answer later (a mentor) and has not allowed
    direct messages: they are asked now, with one press, and told how they hear otherwise."""
    text = Text.plain(t._("All done, welcome! Here are your first steps."))
    for note in notes:
        text += "\n" + note
    controls: list[Button] = list(faq_buttons(checklist))
    if ask_to_write:
        text += "\n" + t._("If you allow me to write to you directly, I can tell you as soon as there is news; "
                           "otherwise I will tell you the next time you use the bot here.")
        controls.append(allow_button(t))
    controls.append(Button(step_action(owner, "dm", str(topics_to_bits(state.help_topics))),
                           t._("Send me this as a direct message"), Style.PRIMARY))
    controls.append(Button(step_action(owner, "summary", "show"), t._("See or change my answers")))
    return Message(text, checklist_card(t, checklist), tuple(controls))


def card_text(t: Translator, state: MemberState, language: str, claimed_by: int | None) -> Text:
    """What a volunteer card says: only what the member agreed to share."""
    parts = Parts()
    lines = [t._("A newcomer would like a hello: {member}", member=parts.mention(state.user_id)),
             t._("Speaks: {languages}", languages=language_name(t, language))]
    if state.help_topics:
        lines.append(t._("Would like help with: {topics}", topics=t.join([t._(TOPIC_TITLES[x])
                                                                          for x in state.help_topics])))
    if state.area:
        lines.append(t._("Area: {area}", area=parts.said(area_title(t, state.area) or "")))
    if state.wants_mentor:
        lines.append(t._("Would like a mentor."))
    if claimed_by == FORMER_VOLUNTEER:
        lines.append(t._("A volunteer is saying hello."))
    elif claimed_by is not None:
        lines.append(t._("{volunteer} is saying hello.", volunteer=parts.mention(claimed_by)))
    return parts.text("\n".join(lines))


def card_message(t: Translator, state: MemberState, language: str) -> Message:
    """A new volunteer card, with "I'll say hello"."""
    return Message(card_text(t, state, language, None),
                   controls=(Button(claim_action(state.user_id), t._("I'll say hello"), Style.PRIMARY),))


def start_message(translator: Callable[[str], Translator], languages: Sequence[str]) -> Message:
    """The post with the Start button: its line and label in the server's main languages."""
    lines: list[str] = []
    labels: list[str] = []
    for code in languages:
        t = translator(code)
        line = t._("Welcome! Press Start to choose your language and get help with your first steps here.")
        if line not in lines:
            lines.append(line)
        if (label := t._("Start")) not in labels:
            labels.append(label)
    return Message.of("\n".join(lines), Button(START, " · ".join(labels), Style.SUCCESS))
