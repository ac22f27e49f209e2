"""The organisations the sandbox hosts: practices, an accounting organisation, WorkflowMax."""

import uuid
from dataclasses import dataclass

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.portal.invalid/")


@dataclass(frozen=True)
class Tenant:
    """One organisation the sandbox hosts, as the connections endpoint lists it."""

    key: str
    type: str  # as Xero's connections endpoint names it
    name: str
    provider: str  # "xero" or "workflowmax"
    #: share of the requested practice size this tenant holds (0: no client data at all)
    size_share: float = 1.0
    #: how often a structure carries relationships (WorkflowMax data rarely has them)
    relationship_rate: float = 1.0

    @property
    def id(self) -> str:
        """The tenant id: a UUID that never changes."""
        return str(uuid.uuid5(NAMESPACE, f"tenant:{self.key}"))

    def size(self, clients: int) -> int:
        """How many clients this tenant is seeded with when the practice has ``clients``."""
        if self.size_share <= 0:
            return 0
        return max(1, min(clients, round(clients * self.size_share)))


KOWHAI = Tenant("kowhai", "PRACTICEMANAGER", "Kōwhai Chartered Accountants (sandbox)", "xero")
TOTARA = Tenant(
    "totara", "PRACTICEMANAGER", "Tōtara Tax & Advisory (sandbox)", "xero", size_share=0.1
)
# An accounting organisation also connected by the same consent: the portal must skip it.
KOWHAI_BOOKS = Tenant(
    "kowhai-books", "ORGANISATION", "Kōwhai Chartered Accountants Ltd", "xero", size_share=0
)
WORKFLOWMAX = Tenant(
    "wfm",
    "WORKFLOWMAX",
    "Kōwhai Chartered Accountants (WorkflowMax sandbox)",
    "workflowmax",
    size_share=0.25,
    relationship_rate=0.05,
)

WORKFLOWMAX_TOTARA = Tenant(
    "wfm-totara",
    "WORKFLOWMAX",
    "Tōtara Tax & Advisory (WorkflowMax sandbox)",
    "workflowmax",
    size_share=0.05,
    relationship_rate=0.05,
)

ALL = (KOWHAI, TOTARA, KOWHAI_BOOKS, WORKFLOWMAX, WORKFLOWMAX_TOTARA)
WITH_DATA = tuple(tenant for tenant in ALL if tenant.size_share > 0)
BY_ID = {tenant.id: tenant for tenant in ALL}


def offered(provider: str, practices: int) -> list[Tenant]:
    """The tenants the consent page offers for ``provider``: one or two practices (or
    WorkflowMax organisations), and for Xero the accounting organisation beside them."""
    count = max(1, min(2, int(practices)))
    if provider == "workflowmax":
        return [WORKFLOWMAX, WORKFLOWMAX_TOTARA][:count]
    return [KOWHAI, TOTARA][:count] + [KOWHAI_BOOKS]
