"""The platform-neutral core: settings, storage, languages, time and scheduled work. No Discord here."""
