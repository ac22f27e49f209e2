"""Randomly drawn groups of related clients: families, companies, trusts, partnerships.

Each function adds one structure to a ``generator.Practice``; ``add_one`` picks which,
with weights that give a practice of mostly individuals and small companies.
"""

from portal.sandbox import names


def individual(practice) -> None:
    """A person on their own."""
    practice.person()


def sole_trader(practice) -> None:
    """A person trading on their own account, sometimes under a trading name."""
    rng = practice.rng
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    trading = (
        f" t/a {rng.choice(names.PLACES)} {rng.choice(names.TRADES)}" if rng.random() < 0.4 else ""
    )
    practice.person(first, last, structure="Sole Trader", name=f"{first} {last}{trading}")


def family(practice) -> None:
    """Two partners, their children, a family trust and often a trading company."""
    rng = practice.rng
    last = rng.choice(names.LAST_NAMES)
    one, two = practice.person(last=last), practice.person(last=last)
    practice.relate(one, two, rng.choice(("Spouse", "Husband", "Wife")))
    children = [practice.person(last=last, young=True) for _ in range(rng.choice((0, 1, 2, 2, 3)))]
    for child in children:
        practice.relate(one, child, "Parent Of")
    trust = practice.trust(f"{last} Family Trust", rng.choice(names.TRUST_STRUCTURES))
    practice.relate(trust, one, "Trustee")
    practice.relate(trust, two, "Trustee")
    if rng.random() < 0.4:
        trustee_company = practice.company(f"{last} Trustee Company Limited", "Trustee Company")
        practice.relate(trustee_company, one, "Director")
        practice.relate(trustee_company, one, "Shareholder", shares=100)
        practice.relate(trust, trustee_company, "Trustee")
    elif rng.random() < 0.3:
        practice.relate(trust, practice.existing_or_new_person(0.8), "Trustee")
    for beneficiary in (one, two, *children):
        practice.relate(trust, beneficiary, "Beneficiary")
    practice.relate(trust, practice.person(last=last) if rng.random() < 0.3 else one, "Settlor")
    if rng.random() < 0.5:
        practice.relate(trust, one, "Appointer")
    members = [one, two, *children, trust]
    if rng.random() < 0.6:
        company = practice.company(practice.company_name(), rng.choice(names.COMPANY_STRUCTURES))
        practice.relate(company, one, "Director")
        if rng.random() < 0.5:
            practice.relate(company, two, "Director")
        practice.relate(company, trust, "Shareholder", shares=rng.choice((500, 900, 1000)))
        practice.relate(company, one, "Shareholder", shares=rng.choice((1, 50, 100)))
        members.append(company)
    if rng.random() < 0.7:
        practice.group(f"{last} Family", members)


def small_company(practice) -> None:
    """A company with one to three directors and its shareholders."""
    rng = practice.rng
    company = practice.company(practice.company_name(), rng.choice(names.COMPANY_STRUCTURES))
    directors = [practice.existing_or_new_person() for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    shares = rng.choice((100, 1000, 10_000))
    for director in dict.fromkeys(directors):
        practice.relate(company, director, "Director")
        owner = "Owner" if rng.random() < 0.05 else "Shareholder"
        practice.relate(company, director, owner, shares=shares // len(directors))
    if practice.trusts and rng.random() < 0.15:
        practice.relate(company, rng.choice(practice.trusts), "Shareholder", shares=shares)
    if len(practice.companies) > 1 and rng.random() < 0.1:
        practice.relate(company, rng.choice(practice.companies[:-1]), "Shareholder", shares=shares)
    for kind, chance in (("Secretary", 0.1), ("Public Officer", 0.05), ("Associate", 0.05)):
        if rng.random() < chance:
            practice.relate(company, practice.existing_or_new_person(0.5), kind)
    if len(practice.companies) > 1 and rng.random() < 0.03:
        practice.relate(company, rng.choice(practice.companies[:-1]), "Auditor")


def holding_group(practice) -> None:
    """A holding company that owns one to three subsidiaries, with shared directors."""
    rng = practice.rng
    place = rng.choice(names.PLACES)
    holding = practice.company(f"{place} Group Holdings Limited", "Company")
    directors = [practice.existing_or_new_person() for _ in range(2)]
    for director in dict.fromkeys(directors):
        practice.relate(holding, director, "Director")
        practice.relate(holding, director, "Shareholder", shares=500)
    subsidiaries = []
    for _ in range(rng.randint(1, 3)):
        subsidiary = practice.company(f"{place} {rng.choice(names.TRADES)} Limited", "Company")
        practice.relate(subsidiary, holding, "Shareholder", shares=1000)
        practice.relate(subsidiary, directors[0], "Director")
        subsidiaries.append(subsidiary)
    practice.group(f"{place} Group", [holding, *subsidiaries])


def standalone_trust(practice) -> None:
    """A trust with its trustees, beneficiaries and settlor."""
    rng = practice.rng
    last = rng.choice(names.LAST_NAMES)
    trust = practice.trust(
        f"{last} {rng.choice(('Trust', 'Investment Trust', 'Property Trust'))}",
        rng.choice(names.TRUST_STRUCTURES),
    )
    for _ in range(rng.randint(1, 3)):
        practice.relate(trust, practice.existing_or_new_person(last=last), "Trustee")
    for _ in range(rng.randint(1, 4)):
        practice.relate(trust, practice.person(last=last), "Beneficiary")
    practice.relate(trust, practice.existing_or_new_person(0.3), "Settlor")


def charitable_trust(practice) -> None:
    """A charitable trust: trustees, no beneficiaries."""
    trust = practice.trust(
        f"{practice.rng.choice(names.PLACES)} Charitable Trust", "Charitable Trust"
    )
    for _ in range(practice.rng.randint(3, 5)):
        practice.relate(trust, practice.existing_or_new_person(0.5), "Trustee")


def estate(practice) -> None:
    """A deceased person's estate with executors as trustees."""
    rng = practice.rng
    last = rng.choice(names.LAST_NAMES)
    deceased = f"{rng.choice(names.FIRST_NAMES)} {last}"
    trust = practice.trust(f"Estate of the late {deceased}", "Estate")
    for _ in range(rng.randint(1, 2)):
        practice.relate(trust, practice.person(last=last), "Trustee")
    for _ in range(rng.randint(1, 3)):
        practice.relate(trust, practice.person(last=last), "Beneficiary")


def partnership(practice) -> None:
    """Two or three partners; XPM's Percentage is often left at 0."""
    rng = practice.rng
    partners = [practice.existing_or_new_person(0.3) for _ in range(rng.choice((2, 2, 3)))]
    surnames = [rng.choice(names.LAST_NAMES) for _ in partners]
    firm = practice.company(" & ".join(surnames[:2]) + " Partners", rng.choice(("Partnership", "")))
    for partner in dict.fromkeys(partners):
        percentage = rng.choice((0, 0, round(100 / len(partners), 2)))
        practice.relate(firm, partner, "Partner", percentage=percentage)


def society(practice) -> None:
    """An incorporated society with members."""
    club = practice.company(
        f"{practice.rng.choice(names.PLACES)} Rugby Club Incorporated", "Incorporated Society"
    )
    for _ in range(practice.rng.randint(2, 4)):
        practice.relate(club, practice.existing_or_new_person(0.5), "Member")


WEIGHTED = (
    (individual, 30),
    (sole_trader, 6),
    (family, 12),
    (small_company, 22),
    (holding_group, 3),
    (standalone_trust, 8),
    (charitable_trust, 2),
    (estate, 2),
    (partnership, 4),
    (society, 1),
)
_STRUCTURES = [structure for structure, _ in WEIGHTED]
_WEIGHTS = [weight for _, weight in WEIGHTED]


def add_one(practice) -> None:
    """Add one randomly chosen structure."""
    practice.rng.choices(_STRUCTURES, _WEIGHTS)[0](practice)
