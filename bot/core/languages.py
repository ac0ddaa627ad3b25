"""The languages the bot speaks, and how Discord's client locales map onto them.

A *language code* is what we store for a member (`prs` for Dari). Each language names the gettext
catalog it reads (Dari reads the Persian catalog) and the CLDR locale Babel formats with (`fa_AF`
for Dari, since CLDR has no `prs`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    """One language of the bot."""

    code: str
    catalog: str
    cldr: str
    native_name: str
    english_name: str
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "sv", "sv_SE", "Svenska", "Swedish"),
        Language("en", "en", "en_GB", "English", "English"),
        Language("ar", "ar", "ar", "العربية", "Arabic", rtl=True),
        Language("prs", "fa", "fa_AF", "دری", "Dari", rtl=True),
        Language("fa", "fa", "fa_IR", "فارسی", "Persian", rtl=True),
        Language("so", "so", "so_SO", "Soomaali", "Somali"),
        Language("ti", "ti", "ti_ER", "ትግርኛ", "Tigrinya"),
        Language("uk", "uk", "uk_UA", "Українська", "Ukrainian"),
        Language("de", "de", "de_DE", "Deutsch", "German"),
        Language("nl", "nl", "nl_NL", "Nederlands", "Dutch"),
        Language("hi", "hi", "hi_IN", "हिन्दी", "Hindi"),
    )
}

#: The catalogs shipped in `locales/` (Dari shares `fa`).
CATALOGS: tuple[str, ...] = ("sv", "en", "ar", "fa", "so", "ti", "uk", "de", "nl", "hi")

FALLBACK_LANGUAGE = "en"

#: Discord client locales (as Discord spells them) that we can serve in a language of ours.
#: Discord has no Arabic, Persian, Dari, Somali or Tigrinya client locale.
DISCORD_LOCALE_TO_LANGUAGE: dict[str, str] = {
    "sv-SE": "sv",
    "en-US": "en",
    "en-GB": "en",
    "uk": "uk",
    "de": "de",
    "nl": "nl",
    "hi": "hi",
}


def language_for_discord_locale(locale: str | None) -> str | None:
    """Our language code for a Discord client locale, or None when we do not speak it."""
    if not locale:
        return None
    return DISCORD_LOCALE_TO_LANGUAGE.get(locale)


def resolve_language(
    stored: str | None,
    interaction_locale: str | None,
    guild_default: str | None,
) -> str:
    """The one rule for the language of a reply.

    The member's stored choice, else the interaction's locale when we support it, else the guild's
    configured default, else English.
    """
    if stored in LANGUAGES:
        return stored  # type: ignore[return-value]
    from_client = language_for_discord_locale(interaction_locale)
    if from_client:
        return from_client
    if guild_default in LANGUAGES:
        return guild_default  # type: ignore[return-value]
    return FALLBACK_LANGUAGE
