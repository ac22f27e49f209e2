"""An XPM import linked to the Companies Office in the same step (docs/spec.md §10.4).

``look_up`` reads the register for the client's company number (two calls: the search the
API offers instead of a lookup by number, then the full entity), with no transaction open;
a register that cannot be asked becomes a sentence, never a failure of the form. What it
found is kept in the shared store (``remembered_look_up``), so redrawing the form asks
nothing and Create links the entity the form showed without reading it again.
``reconcile`` sets the register's directors and share allocations beside XPM's related
parties as the plan has them: the same person is one profile (the XPM related client is the
person; a register name matches it on name and role), and everything else is listed, not
resolved: doubtful matches (the same name in another role, or several of that name) and
differences (a director resigned on the register but current in XPM, shares that differ, a
director or shareholder only the register has). After the import, "Compare with the
Companies Office" offers each of them to take.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from portal.importing import memory
from portal.nzbn import Entity, NotConfigured, RegisterApi, RegisterError, Shareholder
from portal.register_compare.compare import (
    candidates,
    director_key,
    ending_key,
    holder_names,
    person_names,
    readable_name,
    shareholder_key,
    shares_key,
)
from portal.text import fold
from portal.xpm import XpmClient

NOT_ASKED = (
    "The Companies Office register could not be asked ({error}), so this import cannot be "
    "linked to it in the same step. Import it without the link; link it later from its "
    "profile (Link to the Companies Office)."
)
OTHER_NZBN = (
    "XPM has NZBN {own} for this client, but the company with number {number} on the "
    "Companies Office register has NZBN {theirs}, so it cannot be linked in the same step. "
    "Import it without the link, check which NZBN is right, then link it from its profile."
)
AFTER = 'After the import, "Compare with the Companies Office" offers it to take.'


@dataclass(frozen=True)
class Lookup:
    """What the register said about the client: its entity, or why it could not say."""

    entity: Entity | None = None
    problem: str | None = None


def company_number_of(client: XpmClient) -> str:
    """The company number XPM keeps on the client, digits only, or ""."""
    number = (client.company_number or "").strip()
    return number if number.isdigit() else ""


def look_up(register: RegisterApi | None, client: XpmClient) -> Lookup:
    """The register's entity with the client's company number (no call without one)."""
    number = company_number_of(client)
    if not number:
        return Lookup()
    try:
        if register is None:
            raise NotConfigured()
        found = register.by_company_number(number)
        if found is None:
            return Lookup()
        own = (client.business_number or "").strip()
        if own and own != found.nzbn:
            return Lookup(problem=OTHER_NZBN.format(own=own, number=number, theirs=found.nzbn))
        return Lookup(register.entity(found.nzbn))
    except RegisterError as error:
        return Lookup(problem=NOT_ASKED.format(error=str(error).rstrip(".")))


def remembered_look_up(store, client_key: str, register: RegisterApi | None, client: XpmClient):
    """``look_up``, answered from the shared store when the form asked it lately; what the
    register said is kept there for the next redraw and for Create (a problem is not kept:
    the next redraw asks again)."""
    number = company_number_of(client)
    if not number:
        return Lookup()
    asked, entity = memory.register_said(store, client_key, number)
    if asked:
        return Lookup(entity)
    found = look_up(register, client)
    if found.problem is None:
        memory.remember_register(store, client_key, number, found.entity)
    return found


def reviewed_entity(store, client_key: str, client: XpmClient) -> Entity | None:
    """The register entity the client's form showed, while the shared store keeps it."""
    return memory.register_said(store, client_key, company_number_of(client))[1]


def entity_for(register: RegisterApi | None, nzbn: str) -> Entity:
    """The entity read again at Create (one call); raises ``RegisterError``."""
    if register is None:
        raise NotConfigured()
    return register.entity(nzbn)


def _shown(name: str, *parts: str | None) -> str:
    """A register name as the portal shows it, out of the register's capitals."""
    return " ".join(readable_name(p) for p in parts if p) or readable_name(name)


@dataclass(frozen=True)
class Party:
    """An XPM related party of the client as the plan has it (role held on the client)."""

    uuid: str
    name: str
    role: str
    shares: int | None
    end_date: date | None
    kind: str | None = None


@dataclass(frozen=True)
class Offer:
    """One thing the register says differently, which Create takes when it is ticked.

    ``key`` names it as Compare with the Companies Office does once the roles are stored
    (``register_compare.compare``), so Create takes it in its write. A person the register
    has whom XPM's related clients may be comes with ``choices``: (value, label), a value
    ``x:<uuid>`` for an XPM related client of this import, ``new`` for a new contact; such an
    offer starts unticked, for the user to confirm."""

    key: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    ticked: bool = True


@dataclass
class Reconciled:
    """The register's people beside XPM's: matched, doubtful and different."""

    #: Register names matched to an XPM related client: {folded name: XPM uuid}.
    matched: dict[str, str] = field(default_factory=dict)
    doubtful: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def differences(self) -> list[str]:
        """Each offer as a note for after the import, when it was not taken."""
        return [f"{offer.text} {AFTER}" for offer in self.offers]

    def notes(self, taken: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """What the profile should still be told: the offers not taken, and the doubts."""
        left = [f"{o.text} {AFTER}" for o in self.offers if o.key not in taken]
        return left + self.doubtful


#: The firm's profiles that may be a register person: (kind, folded names, the shareholder
#: record or None) → [(profile id, name)].
InPortal = Callable[[str, set[str], Shareholder | None], list[tuple[int, str]]]


def in_portal(db: Session, firm_id: int, parties: set[int | None]) -> InPortal:
    """The firm's profiles that may be a register person, besides this import's parties."""

    def found(kind: str, names: set[str], holder: Shareholder | None) -> list[tuple[int, str]]:
        rows = candidates(db, firm_id, kind, names, holder)
        return [(row.id, row.name) for row in rows if row.id not in parties]

    return found


def reconcile(
    entity: Entity,
    parties: list[Party],
    today: date | None = None,
    in_portal: InPortal | None = None,
) -> Reconciled:
    """The register's directors and allocations against XPM's parties of the client; a
    person only the register has is offered with the firm's profiles who may be them
    (``in_portal``), for the user to confirm."""
    today = today or date.today()
    result = Reconciled()
    by_name: dict[str, list[Party]] = {}
    for party in parties:
        by_name.setdefault(fold(party.name).strip(), []).append(party)
    seen: set[str] = set()  # XPM uuid + role of the parties the register has

    def find(name: str, role: str, names: set[str]) -> tuple[Party | None, list[Party]]:
        """(the XPM party who is the register's person in ``role``, or None; the same-name
        parties in other roles, who may be them)."""
        same = list({p.uuid + p.role: p for n in names for p in by_name.get(n, [])}.values())
        in_role = [p for p in same if p.role == role]
        seen.update(p.uuid + role for p in in_role)
        people = {p.uuid for p in in_role}
        if len(people) == 1:
            result.matched[fold(name).strip()] = in_role[0].uuid
            return in_role[0], []
        if len(people) > 1:
            result.doubtful.append(
                f"{name}: {len(people)} of XPM's related clients have this name as "
                f"{role}; choose which is the register's in Compare with the Companies Office."
            )
            return in_role[0], []
        others = list({p.uuid: p for p in same}.values())
        if others:
            roles = ", ".join(sorted({p.role for p in others}))
            result.doubtful.append(
                f"{name} is a {role} on the register and in XPM has the same name as a "
                f"{roles}: confirm they are the same person below, or later in Compare with "
                "the Companies Office."
            )
        return None, others

    def add(key: str, text: str, others: list[Party], kind: str, names: set[str], holder=None):
        choices = tuple((f"x:{p.uuid}", f"{p.name}, {p.role} in XPM") for p in others)
        if in_portal is not None:
            choices += tuple(
                (f"p:{id_}", f"{name}, already in the portal")
                for id_, name in in_portal(kind, names, holder)
            )
        if choices:
            choices += (("new", "Someone else: a new contact"),)
        result.offers.append(Offer(key, text, choices, ticked=not choices))

    for director in entity.directors:
        parts = (director.first_name, director.middle_names, director.last_name)
        shown = _shown(director.name, *parts)
        names = person_names(*parts) | {fold(director.name).strip()}
        party, others = find(shown, "director", names)
        current_in_xpm = party is not None and (party.end_date is None or party.end_date > today)
        if not director.current and current_in_xpm:
            if any(
                d.current and person_names(d.first_name, d.middle_names, d.last_name) & names
                for d in entity.directors
            ):
                continue  # re-appointed: a current entry of theirs keeps them a director
            ceased = f" on {director.ceased:%-d %B %Y}" if director.ceased else ""
            said = shown
            if fold(party.name).strip() != fold(said).strip():
                said += f" ({party.name} in XPM)"
            result.offers.append(
                Offer(
                    ending_key("director", party.name),
                    f"{said} resigned as director{ceased} on the register but is a "
                    "current director in XPM.",
                )
            )
        elif director.current and party is None:
            text = f"{shown} is a director on the register but not in XPM."
            add(director_key(director), text, others, "individual", names)
    for allocation in entity.allocations:
        if len(allocation.shareholders) != 1:
            continue  # a joint holding: Compare sets it beside the trust that holds it
        holder = allocation.shareholders[0]
        shown = readable_name(holder.name)
        if holder.is_person:
            shown = _shown(holder.name, holder.first_name, holder.middle_names, holder.last_name)
        names = holder_names(holder)
        party, others = find(shown, "shareholder", names)
        if party is None:
            text = (
                f"{shown} holds {allocation.shares:,} shares on the register and is not "
                "a shareholder in XPM."
            )
            kind = "individual" if holder.is_person else "company"
            add(shareholder_key(holder), text, others, kind, names, holder)
        elif party.shares is not None and party.shares != allocation.shares:
            result.offers.append(
                Offer(
                    shares_key(party.name),
                    f"{shown} holds {allocation.shares:,} shares on the register, "
                    f"{party.shares:,} in XPM.",
                )
            )
    for party in parties:
        current = party.end_date is None or party.end_date > today
        if party.role == "director" and current and party.uuid + party.role not in seen:
            result.offers.append(
                Offer(
                    ending_key("director", party.name),
                    f"{party.name} is a current director in XPM but not a director on the "
                    "register.",
                )
            )
    return result
