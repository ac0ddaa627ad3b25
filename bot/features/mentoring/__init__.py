"""Mentor matching: opt-in profiles, explained optimal rounds, coordinator approval, invitations,
check-ins and ending (domain logic and storage only; the Discord glue is `cogs/mentoring.py`)."""
