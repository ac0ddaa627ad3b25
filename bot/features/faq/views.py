"""What the FAQ shows, as messages of the conversation port (any platform lays them out its way).

An answer is a card (question, answer, sources, last checked) with "Did this help?" buttons, a
choice of the other languages it is written in and, after a search, buttons for the other answers
that may fit (`faq:open:<slug>`). Lists (a topic, the open questions, the translation work) come a
page at a time, the page in the Previous/Next buttons' actions, so old buttons keep working after a
restart. Nothing here knows a platform's markup or limits: member-written text is `Said`, and a
page holds about as much as one reads at once (`PAGE_CHARS`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.conversation import Action, Button, Card, Choice, Message, Option, Parts, Said, Style, Text, UserRef
from bot.core.i18n import N_, Translator
from bot.core.paging import pack
from bot.core.text import reveal_link_hosts
from bot.features.faq.models import CATEGORIES, CONTENT_LANGUAGES, Entry, Status
from bot.features.faq.repository import Revision, Unanswered
from bot.features.faq.service import AnswerView, FaqService, Todo, language_name

RLM = "\u200f"
#: About one screen of reading: a list page holds at most this many characters.
PAGE_CHARS = 1500
#: The start of a question shown in the list of open questions.
QUESTION_SHOWN = 300
#: Other answers offered under an answer.
OTHERS_SHOWN = 3
STALE_LINE = N_("Out of date in {language}: {entries}")
MISSING_LINE = N_("Missing in {language}: {entries}")


def rtl_text(shown: Translator, text: str) -> str:
    """Right-to-left paragraphs start with a right-to-left mark so that clients lay them out right to left."""
    if not shown.rtl:
        return text
    return "\n".join(f"{RLM}{line}" if line else line for line in text.split("\n"))


def notice_line(t: Translator, view: AnswerView) -> str:
    """Why the reader sees what they see (empty when it is their own current, checked text)."""
    wanted, shown = language_name(view.wanted_language), language_name(view.shown_language)
    if view.notice is Status.MISSING and view.shown_stale:
        return t._("This answer is not yet written in {language}. Here it is in {shown}, which may be out of date.",
                   language=wanted, shown=shown)
    if view.notice is Status.MISSING:
        return t._("This answer is not yet written in {language}. Here it is in {shown}.", language=wanted,
                   shown=shown)
    if view.notice is Status.STALE:
        return t._("This answer was changed recently and its {language} text is not yet updated: some of it may "
                   "be out of date.", language=shown)
    if view.shown_language != view.entry.source_language and not view.text.reviewed:
        return t._("This translation has not yet been checked by a native speaker.")
    return ""


def answer_message(t: Translator, shown: Translator, view: AnswerView, *, lead: str = "",
                   others: Sequence[tuple[str, str]] = ()) -> Message:
    """The answer in the shown language. `lead`: a line above the notice; `others`: (slug, title) buttons."""
    entry, text = view.entry, view.text
    lines = [line for line in (lead, notice_line(t, view)) if line]
    if others:
        lines.append(t._("Other answers that may fit:"))
    fields = ((t._("Source"), Text.plain("\n".join(entry.sources))),) if entry.sources else ()
    card = Card(
        title=rtl_text(shown, text.question),
        # A masked link shows the host it really leads to, so a look-alike address cannot pass for an authority.
        body=Text((Said(rtl_text(shown, reveal_link_hosts(text.answer)), formatted=True),)),
        fields=fields,
        footer=t._("Last checked: {date}", date=t.date(entry.last_checked)),
    )
    controls: list[Button | Choice] = [
        Button(Action("faq", "help", (str(entry.id), "yes")), t._("Yes, this helped"), Style.SUCCESS),
        Button(Action("faq", "help", (str(entry.id), "no")), t._("No, I need more help")),
    ]
    languages = [code for code in CONTENT_LANGUAGES if entry.texts.get(code) and entry.texts[code].has_content]
    if len(languages) > 1:
        controls.append(Choice(Action("faq", "lang", (str(entry.id),)), tuple(
            Option(code, language_name(code), _language_state(t, entry, code), code == view.shown_language)
            for code in languages), t._("Show in another language")))
    controls += [Button(Action("faq", "open", (slug,)), title) for slug, title in others[:OTHERS_SHOWN]]
    return Message(Text.plain("\n\n".join(lines)), card, tuple(controls))


def _language_state(t: Translator, entry: Entry, code: str) -> str:
    if entry.status(code) is Status.STALE:
        return t._("out of date")
    if code != entry.source_language and not entry.texts[code].reviewed:
        return t._("not yet checked")
    return ""


def nothing_found(t: Translator) -> Message:
    """No answer fits: offer to ask the volunteers."""
    return Message.of(
        t._("I found no answer for that. You can send your question to the volunteers (without your name)."),
        Button(Action("faq", "help", ("0", "no")), t._("Ask the volunteers")))


def did_you_mean(t: Translator, choices: Sequence[tuple[str, str]]) -> Message:
    """Nothing fits well: the closest answers to choose from, and the volunteers."""
    return Message.of(
        t._("I am not sure what you are looking for. Did you mean one of these?"),
        *(Button(Action("faq", "open", (slug,)), title) for slug, title in choices[:OTHERS_SHOWN]),
        Button(Action("faq", "help", ("0", "no")), t._("Ask the volunteers")))


def _page_buttons(t: Translator, listing: str, key: str, page: int, pages: int) -> list[Button]:
    if pages <= 1:
        return []
    return [Button(Action("faq", "page", (listing, key, str(max(page - 1, 0)), "prev")), t._("Previous"),
                   disabled=page == 0),
            Button(Action("faq", "page", (listing, key, str(page + 1), "next")), t._("Next"),
                   disabled=page >= pages - 1)]


def _heading(t: Translator, title: str, page: int, pages: int) -> str:
    if pages > 1:
        numbered = t._("page {page} of {pages}", page=page + 1, pages=pages)
        return f"{title} · {numbered}" if title else numbered
    return title


def browse_message(t: Translator, service: FaqService, category: str, page: int) -> Message:
    """A page of a topic's questions in the member's language, with a choice that opens one."""
    found = service.browse(category, page)
    if not found.items:
        return Message.of(t._("There are no answers in this topic yet."))
    titles = [(entry.slug, service.title(entry, t.code)) for entry in found.items]
    parts = Parts()
    lines = [_heading(t, t._(CATEGORIES[category]), found.number, found.count)]
    lines += ["• " + parts.said(title) for _slug, title in titles]
    menu = Choice(Action("faq", "open"), tuple(Option(slug, title) for slug, title in titles), t._("Choose a question"))
    return Message(parts.text("\n".join(lines)),
                   controls=(menu, *_page_buttons(t, "browse", category, found.number, found.count)))


def _paged(t: Translator, heading: str, blocks: list[Text], listing: str, key: str, page: int) -> Message:
    """Blocks packed into pages of about `PAGE_CHARS`; the page asked for (a page past the end shows the last)."""
    pages = pack([str(block) for block in blocks], PAGE_CHARS)
    page = min(max(page, 0), len(pages) - 1)
    heading = _heading(t, heading, page, len(pages))
    text = Text.plain(heading + "\n") if heading else Text()
    for n, i in enumerate(pages[page]):
        text = text + ("\n" if n else "") + blocks[i]
    return Message(text, controls=tuple(_page_buttons(t, listing, key, page, len(pages))))


def unanswered_message(t: Translator, items: list[Unanswered], page: int) -> Message:
    """A page of the open questions (never who asked)."""
    if not items:
        return Message.of(t._("No open questions. Thank you!"))
    blocks = []
    for item in items:
        about = f" · {item.entry_slug}" if item.entry_slug else ""
        head = Text.plain(f"{item.id} · {language_name(item.language)} · {t.date(item.created_at)}{about}\n")
        if item.question:
            question = item.question if len(item.question) <= QUESTION_SHOWN else item.question[:QUESTION_SHOWN] + "…"
            blocks.append(head + Text((Said(question),)))
        else:
            blocks.append(head + t._("(text removed by a volunteer)"))
    return _paged(t, t._("Open questions (who asked is never stored):"), blocks, "unanswered", "", page)


def _chunks(t: Translator, template: str, language: str, slugs: list[str]) -> list[Text]:
    """One line per language, split where a line would not fit on a page."""
    out: list[Text] = []
    chunk: list[str] = []
    for slug in slugs:
        if chunk and len(", ".join([*chunk, slug])) > PAGE_CHARS - 200:
            out.append(Text.plain(t._(template, language=language, entries=", ".join(chunk))))
            chunk = []
        chunk.append(slug)
    if chunk:
        out.append(Text.plain(t._(template, language=language, entries=", ".join(chunk))))
    return out


def todo_message(t: Translator, work: Todo, language: str, page: int) -> Message:
    """A page of the open translation and review work (`language`: "" for every language)."""
    blocks: list[Text] = []
    for code, slugs in work.stale.items():
        blocks += _chunks(t, STALE_LINE, language_name(code), slugs)
    for code, slugs in work.missing.items():
        blocks += _chunks(t, MISSING_LINE, language_name(code), slugs)
    if work.due_for_review:
        blocks.append(Text.plain(t._("Due for a check against the sources: {entries}",
                                     entries=", ".join(work.due_for_review))))
    if not blocks:
        return Message.of(t._("Nothing to do. Thank you!"))
    return _paged(t, "", blocks, "todo", language, page)


def history_message(t: Translator, slug: str, revisions: list[Revision], helped: int) -> Message:
    """An entry's changes, newest first: number, when, who, what and why."""
    parts = Parts()
    lines = [t._("Changes of {slug}, newest first:", slug=slug),
             t.n_("Members said this answer helped them {n} time.",
                  "Members said this answer helped them {n} times.", helped)]
    for rev in revisions[:20]:
        if rev.author_id is not None:
            who = parts.mention(UserRef.of(rev.author_id))
        elif rev.author_deleted:
            who = t._("a deleted member")
        else:
            who = t._("the starter set or an import")
        why = ": " + parts.said(rev.reason) if rev.reason else ""
        lines.append(f"{rev.number} · {t.datetime(rev.created_at, 'short')} · {who} · {rev.action}{why}")
    return Message(parts.text("\n".join(lines)))
