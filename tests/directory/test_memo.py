"""Remembered searches, and marking what a search matched."""

import uuid

import pytest
import redis

from portal.directory import Practice, SearchMemo, needs_confirming
from portal.shared import MemoryStore, RedisStore
from portal.text import matches
from tests.xpm.conftest import REDIS_URL

PRACTICE = Practice(1, "xpm", "t")


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_a_remembered_search_covers_the_longer_searches_inside_it():
    clock = Clock()
    memo = SearchMemo(MemoryStore(clock=clock), seconds=60)
    assert needs_confirming(memo, PRACTICE, "kow")
    memo.remember(PRACTICE, "Kow", results=12)
    assert not needs_confirming(memo, PRACTICE, "kowhai")
    assert not needs_confirming(memo, PRACTICE, "  KOWHAI HOLDINGS ")
    assert needs_confirming(memo, PRACTICE, "kōwhai")  # XPM may not fold macrons
    assert needs_confirming(memo, Practice(2, "xpm", "t"), "kowhai")  # another firm's
    clock.now = 61
    assert needs_confirming(memo, PRACTICE, "kowhai")


def test_short_searches_and_large_answers_are_not_relied_on():
    memo = SearchMemo(MemoryStore())
    assert not needs_confirming(memo, PRACTICE, "ko")
    assert not needs_confirming(memo, PRACTICE, " ō ")
    memo.remember(PRACTICE, "ltd", results=4000)  # XPM may have cut that short
    assert needs_confirming(memo, PRACTICE, "ltd kowhai")
    assert not needs_confirming(memo, PRACTICE, "ltd")  # itself: asked a minute ago


def test_workers_share_what_xpm_answered_through_redis(monkeypatch):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error})")
    practice = Practice(1, "xpm", str(uuid.uuid4()))  # keys of this test's own
    one = SearchMemo(RedisStore(redis.Redis.from_url(REDIS_URL)))
    two = SearchMemo(RedisStore(redis.Redis.from_url(REDIS_URL)))
    assert needs_confirming(two, practice, "kowhai holdings")
    one.remember(practice, "Kōwhai", results=12)
    one.remember(practice, "kowhai", results=3)
    assert not needs_confirming(two, practice, "kowhai holdings")
    assert needs_confirming(two, practice, "ngata")


def test_matches_marks_the_name_as_typed_without_macrons_or_case():
    assert matches("Kōwhai Holdings", "KOWH") == [("Kōwh", True), ("ai Holdings", False)]
    assert matches("Tūī & Kea", "ui &") == [("T", False), ("ūī &", True), (" Kea", False)]
    assert matches("Ko\u0304whai", "ko") == [("Ko\u0304", True), ("whai", False)]
    assert matches("Aroha", "") == [("Aroha", False)]
    assert matches("Aroha", "zz") == [("Aroha", False)]
    assert matches("Kea kea", "kea") == [("Kea", True), (" ", False), ("kea", True)]
    assert matches("aaa", "a") == [("aaa", True)]
