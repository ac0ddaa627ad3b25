"""Welcome onboarding: the newcomer's flow, greetings, checklist, volunteer queue, retention and stats."""
