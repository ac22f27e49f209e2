"""The hand-made part of every sandbox practice: the cases tests and demos rely on.

They come first, so they exist whatever the practice's size: a chain of ownership, a
relationship cycle, a person with many roles, a company with 40 related parties, names
with macrons, ampersands and apostrophes, duplicate names, hostile text for XSS tests,
archived, deleted and prospect clients, every odd BusinessStructure seen in practice, and
one client whose detailed answers are not well-formed XML.
"""

MALFORMED_COMPANY = "Smith & Sons Plumbing Limited"

#: Text a browser would run if the portal forgot to escape it.
XSS_NAME = "<script>alert(1)</script> Holdings Limited"
XSS_WEBSITE = "javascript:alert(1)"
XSS_NOTE = '<img src=x onerror="alert(1)"> Call before visiting'
CHAIN_COMPANY = "Kōwhai Holdings Limited"
LARGE_COMPANY = "Rātā Group Holdings Limited"


def add(practice) -> None:
    """Add every fixture to ``practice``."""
    ngata = _ngata_chain(practice)
    _cycle(practice, ngata["aroha"])
    _large_company(practice, ngata["aroha"])
    _awkward_names(practice)
    _statuses_and_structures(practice)


def _ngata_chain(practice) -> dict:
    """Kōwhai Holdings <- shareholder Pōhutukawa Family Trust <- corporate trustee company."""
    p = practice
    aroha = p.person("Aroha", "Ngata", status="active")
    wiremu = p.person("Wiremu", "Ngata", status="active")
    mere = p.person("Mere", "Ngata", status="active", young=True)
    tane = p.person("Tāne", "Ngata", status="active", young=True)
    hemi = p.person("Hēmi", "Ngata", status="active")
    rawiri = p.person("Rāwiri", "Parata", status="active")
    p.relate(aroha, wiremu, "Husband")
    p.relate(aroha, mere, "Parent Of")
    p.relate(aroha, tane, "Parent Of")
    p.relate(hemi, aroha, "Parent Of")

    holdings = p.company(CHAIN_COMPANY, "Company", status="active")
    trust = p.trust("Pōhutukawa Family Trust", "Family Trust", status="active")
    trustee_co = p.company("Pōhutukawa Trustee Company Limited", "Trustee Company", status="active")
    farms = p.company("Ngāti Rua Farms Limited", "Limited Company", status="active")

    p.relate(holdings, aroha, "Director")
    p.relate(holdings, wiremu, "Director")
    p.relate(holdings, trust, "Shareholder", shares=600)
    p.relate(holdings, aroha, "Shareholder", shares=400)
    p.relate(holdings, rawiri, "Secretary")
    p.relate(trust, trustee_co, "Trustee")
    p.relate(trust, aroha, "Trustee")
    for beneficiary in (aroha, wiremu, mere, tane):
        p.relate(trust, beneficiary, "Beneficiary")
    p.relate(trust, hemi, "Settlor")
    p.relate(trust, aroha, "Appointer")
    p.relate(trustee_co, aroha, "Director")
    p.relate(trustee_co, rawiri, "Director")
    p.relate(trustee_co, aroha, "Shareholder", shares=100)
    p.relate(farms, aroha, "Director")
    p.relate(farms, holdings, "Shareholder", shares=1000)
    p.group("Ngata Family", [aroha, wiremu, mere, tane, trust, holdings, trustee_co, farms])
    return {"aroha": aroha, "rawiri": rawiri, "holdings": holdings}


def _cycle(practice, aroha: str) -> None:
    """Tūī Investments and Kea Ventures hold shares in each other; a trust closes the loop."""
    p = practice
    tui = p.company("Tūī Investments Limited", "Company", status="active")
    kea = p.company("Kea Ventures Limited", "LTC", status="active")
    trust = p.trust("Tūī & Kea Trust", "Trust - Discretionary", status="active")
    p.relate(kea, tui, "Shareholder", shares=500)
    p.relate(tui, kea, "Shareholder", shares=250)
    p.relate(kea, trust, "Shareholder", shares=500)
    p.relate(trust, tui, "Trustee")
    p.relate(trust, aroha, "Trustee")
    p.relate(tui, aroha, "Director")
    p.relate(kea, aroha, "Director")


def _large_company(practice, aroha: str) -> None:
    """A company with exactly 40 related parties: people, companies and trusts."""
    p = practice
    company = p.company(LARGE_COMPANY, "Company", status="active")
    p.relate(company, aroha, "Director")
    for _ in range(11):
        p.relate(company, p.person(status="active"), "Director")
    for number in range(28):
        if number % 7 == 3:
            party = p.company(p.company_name(), "Company", status="active")
        elif number % 7 == 5:
            party = p.trust(
                f"{p.rng.choice(('Mānuka', 'Rimu', 'Miro'))} Trust {number}",
                "Trust",
                status="active",
            )
        else:
            party = p.person(status="active")
        p.relate(company, party, "Shareholder", shares=100 + number * 25)


def _awkward_names(practice) -> None:
    """Ampersands, apostrophes, duplicates and text an unescaped page would execute."""
    p = practice
    hostile = p.company(XSS_NAME, "Company", status="active")
    record = p.data.clients[-1]["data"]
    record["Website"] = XSS_WEBSITE
    record["Notes"] = [
        {
            "Title": "Site visit",
            "Text": XSS_NOTE,
            "Folder": "",
            "Date": "2024-02-29T09:00:00",
            "CreatedBy": "Jo Bloggs",
        }
    ]
    p.relate(
        hostile, p.person('Eve "><svg onload=alert(1)>', "Mallory", status="active"), "Director"
    )

    oconnor = p.trust("O'Connor Family Trust", "Family Trust", status="active")
    p.relate(oconnor, p.person("Seán", "O'Connor", status="active"), "Trustee")
    bakery = p.company("Te Whare o Mere's Bakery Limited", "Ltd Co", status="active")
    p.relate(bakery, p.person("Mere", "Te Whata", status="active"), "Director")
    p.company(MALFORMED_COMPANY, "Company", status="active")
    # A note pasted from a word processor with a vertical tab in it: XPM writes it into its
    # XML as it is, so every detailed answer holding this client is not well-formed (Xero's
    # own documented samples are not always well-formed either).
    p.data.clients[-1]["data"]["Notes"] = [
        {
            "Title": "Call notes",
            "Text": "Invoice query\x0bresolved by phone",
            "Folder": "",
            "Date": "2025-06-02T10:00:00",
            "CreatedBy": "Jo Bloggs",
        }
    ]

    second = p.company(CHAIN_COMPANY, "Ltd Co", status="active")  # same name, other client
    # One person entered three times, as practices do: the same name and date of birth,
    # which the portal suggests merging (docs/spec.md §2a).
    smiths = []
    for _ in range(3):
        smiths.append(p.person("John", "Smith", status="active"))
        p.relate(second, smiths[-1], "Director")
    records = {c["uuid"]: c["data"] for c in p.data.clients if c["uuid"] in smiths}
    for smith in smiths[1:]:
        records[smith]["DateOfBirth"] = records[smiths[0]]["DateOfBirth"]


def _statuses_and_structures(practice) -> None:
    """One client in each status, and each BusinessStructure spelling a practice may have."""
    p = practice
    p.company("Kauri Timber Limited", "Company", status="archived")
    p.company("Harakeke Weaving Limited", "Company", status="deleted")
    p.company("Mānuka Honey Co Limited", "Company", status="prospect")
    p.person("Ngaio", "Marsh", status="archived")
    for structure in (
        "Limited Company",
        "LTC",
        "Look Through Company",
        "Partnership",
        "Sole Trader",
        "",
        None,
    ):
        label = "no structure" if structure is None else structure or "empty structure"
        p.company(f"Tōtara {label.title()} Example Limited", structure, status="active")
    for structure in ("Trust", "Family Trust", "Trust - Discretionary", "Charitable Trust"):
        p.trust(f"Mataī {structure} Example", structure, status="active")
