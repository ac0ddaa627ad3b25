"""Events: organizers plan events and free announcements; the bot posts them on time, once.

Domain logic and storage only (no discord imports): local-time parsing (`timeparse`), recurrence in
wall-clock time (`recurrence`), job keys and announcement planning (`planning`), storage
(`repository`), the service the cog calls (`service`) and calendar export (`ics`).
"""
