"""The editor's draft: it survives its custom-id form, fits Discord's 100 characters, and keeps levels."""

from __future__ import annotations

import pytest

from bot.core.errors import UserError
from bot.features.mentoring.editor import Draft, area_value
from bot.features.mentoring.model import AVAILABILITY, INTERESTS, MENTOR, NEWCOMER, SPOKEN_LANGUAGES, TOPICS, Profile


def test_a_full_draft_round_trips_and_fits_a_custom_id() -> None:
    everything = Draft(role=MENTOR, step=2, well=(1 << len(SPOKEN_LANGUAGES)) - 1,
                       little=(1 << len(SPOKEN_LANGUAGES)) - 1, kept_good=(1 << len(SPOKEN_LANGUAGES)) - 1,
                       help=(1 << len(TOPICS)) - 1, interests=(1 << len(INTERESTS)) - 1,
                       availability=(1 << len(AVAILABILITY)) - 1, area=25, area_check=255, capacity=5)
    assert Draft.decode(everything.encode()) == everything
    longest = f"mentoring:pe:{2**64 - 1}:availability:{everything.encode()}"
    assert len(longest) <= 100


def test_a_profile_comes_back_unchanged_through_the_draft() -> None:
    areas = ["Norsjö centrum", "Kusfors"]
    profile = Profile(7, NEWCOMER, {"ar": 3, "sv": 2, "en": 1}, help=("work", "housing"), interests=("music",),
                      area="kusfors", availability=("weekends",))
    back = Draft.from_profile(NEWCOMER, profile, areas).to_profile(7, areas, profile)
    assert back.languages == profile.languages and set(back.help) == set(profile.help)
    assert back.area == "Kusfors" and back.interests == ("music",) and back.availability == ("weekends",)


def test_a_language_in_both_menus_counts_as_spoken_well() -> None:
    draft = Draft(role=MENTOR).choose("well", ["sv"]).choose("little", ["sv", "en"]).choose("help", ["work"])
    assert draft.to_profile(1, [], None).languages == {"sv": 3, "en": 1}


def test_a_malformed_state_is_refused_politely() -> None:
    with pytest.raises(UserError):
        Draft.decode("x9.zz")


def test_an_area_list_changed_under_an_open_editor_is_noticed() -> None:
    """The draft holds the area's position; if organizers reorder the list meanwhile, saving asks
    again instead of storing the neighbouring place."""
    before = ["Norsjö centrum", "Kusfors", "Bastuträsk"]
    draft = Draft(role=NEWCOMER).choose("well", ["ar"]).choose("help", ["work"])
    draft = Draft.decode(draft.choose("area", [area_value(2, "Kusfors")]).encode())
    assert draft.to_profile(1, before, None).area == "Kusfors"
    after = ["Bastuträsk", "Norsjö centrum", "Kusfors"]
    with pytest.raises(UserError):
        draft.to_profile(1, after, None)
    assert Draft(role=NEWCOMER).choose("area", ["2"]).area == 0  # a value without its fingerprint: no area
