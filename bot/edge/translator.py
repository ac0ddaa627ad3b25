"""Localized slash-command names and descriptions, from the same gettext catalogs.

Discord's own locales only: it has no Arabic, Persian, Dari, Somali or Tigrinya client, so those
members see English command names and get their language from their stored choice.
Names are looked up with the context "command name" (so translators know the rules) and are
dropped when the translation breaks Discord's rules for names.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Loc

from bot.core.conversation import CommandRef
from bot.core.i18n import Catalogs, Translator
from bot.core.languages import LANGUAGES, language_for_discord_locale

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[-_\w\u0900-\u097F]{1,32}$")
NAME_LOCATIONS = {Loc.command_name, Loc.group_name, Loc.parameter_name}
NAME_CONTEXT = "command name"
CHOICE_CONTEXT = "command choice"


def valid_command_name(name: str) -> bool:
    """Discord's rule for command and option names (lower case where the script has case)."""
    return bool(NAME_RE.match(name)) and name == name.lower()


class CatalogTranslator(app_commands.Translator):
    """`app_commands.Translator` backed by the bot's catalogs."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The translation for one Discord locale, or None to keep the English original."""
        language = language_for_discord_locale(locale.value)
        if language is None or language == "en":
            return None
        trans = self._catalogs.raw(LANGUAGES[language].catalog)
        message = string.message
        if context.location in NAME_LOCATIONS:
            translated = trans.pgettext(NAME_CONTEXT, message)
            if translated == message:
                return None
            if not valid_command_name(translated):
                log.warning("ignoring invalid %s command name translation for %r", language, message)
                return None
            return translated
        if context.location is Loc.choice_name:
            translated = trans.pgettext(CHOICE_CONTEXT, message)
        else:
            translated = trans.gettext(message)
        if translated == message or not translated.strip():
            return None
        return translated[:100]


def render_command(command: CommandRef, t: Translator | None = None) -> str:
    """A command as members type it, `/event show event:7`, with the names Discord shows in `t`'s language."""

    def name(part: str) -> str:
        if t is None:
            return part
        local = t.p_(NAME_CONTEXT, part)
        return local if valid_command_name(local) else part

    options = "".join(f" {name(option)}:{value}" for option, value in command.options)
    return "/" + " ".join(name(part) for part in command.path) + options
