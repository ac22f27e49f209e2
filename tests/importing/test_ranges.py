"""What XPM sends keeps to the portal's one rule for share counts, and its names are kept
exactly as sent (pages show their hidden characters: tests/test_names.py)."""

from portal.importing import service
from portal.limits import MAX_SHARES
from tests.importing.test_service import profiles, roles, run

BIG = 3_000_000_000  # beyond 32 bits: stored since revision 0008


def test_share_counts_beyond_32_bits_are_stored(sessions, api, firm, practice):
    holdings = practice.client("Kōwhai Holdings Limited", "Company")
    aroha = practice.person("Aroha", "Ngata")
    practice.relate(holdings, aroha, "Shareholder", NumberOfShares=BIG)
    outcome = run(sessions, api, firm, holdings)
    assert ("Kōwhai Holdings Limited", "shareholder", "Aroha Ngata", BIG) in roles(sessions)
    assert outcome.notes == ()


def test_share_counts_beyond_the_rule_are_left_out_with_a_note(sessions, api, firm, practice):
    holdings = practice.client("Kōwhai Holdings Limited", "Company")
    aroha = practice.person("Aroha", "Ngata")
    practice.relate(holdings, aroha, "Shareholder", NumberOfShares=MAX_SHARES + 1)
    with sessions() as session:
        review = service.review(session, api, firm[0], "xpm", holdings)
    assert review.notes == [
        f"Aroha Ngata: XPM's share count {MAX_SHARES + 1:,} is not a whole number of shares "
        f"from 0 to {MAX_SHARES:,}, so it was left out; enter it by hand."
    ]
    run(sessions, api, firm, holdings)
    assert ("Kōwhai Holdings Limited", "shareholder", "Aroha Ngata", None) in roles(sessions)


def test_names_from_xpm_are_kept_exactly(sessions, api, firm, practice):
    name = "Kōwhai\u202eDTL\u200b"
    holdings = practice.client(name, "Company")
    run(sessions, api, firm, holdings)
    assert name in profiles(sessions)
