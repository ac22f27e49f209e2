"""Remembered searches, and marking what a search matched."""

from portal.directory import Practice, SearchMemo, needs_confirming
from portal.text import matches

PRACTICE = Practice(1, "xpm", "t")


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_a_remembered_search_covers_the_longer_searches_inside_it():
    clock = Clock()
    memo = SearchMemo(seconds=60, clock=clock)
    assert needs_confirming(memo, PRACTICE, "kow")
    memo.remember(PRACTICE, "Kow", results=12)
    assert not needs_confirming(memo, PRACTICE, "kowhai")
    assert not needs_confirming(memo, PRACTICE, "  KOWHAI HOLDINGS ")
    assert needs_confirming(memo, PRACTICE, "kōwhai")  # XPM may not fold macrons
    assert needs_confirming(memo, Practice(2, "xpm", "t"), "kowhai")  # another firm's
    clock.now = 61
    assert needs_confirming(memo, PRACTICE, "kowhai")


def test_short_searches_and_large_answers_are_not_relied_on():
    memo = SearchMemo()
    assert not needs_confirming(memo, PRACTICE, "ko")
    assert not needs_confirming(memo, PRACTICE, " ō ")
    memo.remember(PRACTICE, "ltd", results=4000)  # XPM may have cut that short
    assert needs_confirming(memo, PRACTICE, "ltd kowhai")
    assert not needs_confirming(memo, PRACTICE, "ltd")  # itself: asked a minute ago


def test_matches_marks_the_name_as_typed_without_macrons_or_case():
    assert matches("Kōwhai Holdings", "KOWH") == [("Kōwh", True), ("ai Holdings", False)]
    assert matches("Tūī & Kea", "ui &") == [("T", False), ("ūī &", True), (" Kea", False)]
    assert matches("Ko\u0304whai", "ko") == [("Ko\u0304", True), ("whai", False)]
    assert matches("Aroha", "") == [("Aroha", False)]
    assert matches("Aroha", "zz") == [("Aroha", False)]
    assert matches("Kea kea", "kea") == [("Kea", True), (" ", False), ("kea", True)]
    assert matches("aaa", "a") == [("aaa", True)]
