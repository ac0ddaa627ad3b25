"""Pages of long lists: fixed-size pages and pages packed up to a message's length."""

from __future__ import annotations

from bot.core.paging import pack, page_of


def test_pages_of_a_list_and_an_old_page_number_past_the_end() -> None:
    items = list(range(45))
    first = page_of(items, 0, 20)
    assert first.items == list(range(20)) and first.count == 3 and not first.has_previous and first.has_next
    last = page_of(items, 2, 20)
    assert last.items == list(range(40, 45)) and last.has_previous and not last.has_next
    # A "Next" button from when the list was longer shows the last page instead of failing.
    assert page_of(items[:10], 2, 20).items == list(range(10))
    assert page_of([], 0, 20).count == 1


def test_packed_pages_stay_within_the_limit_and_keep_every_block_once() -> None:
    blocks = [("x" * (50 + 37 * i % 400)) for i in range(60)]
    pages = pack(blocks, 1800)
    assert [i for page in pages for i in page] == list(range(60))
    assert all(len("\n".join(blocks[i] for i in page)) <= 1800 for page in pages)
    assert pack(["y" * 5000, "z"], 1800) == [[0], [1]]
