"""The translated FAQ: answers in the newcomer's language, found in any language, kept by volunteers."""
