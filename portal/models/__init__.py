"""The stored data, in SQLAlchemy 2.0 typed mappings."""

from portal.models.audit import AuditEvent
from portal.models.firms import Firm, SubscriptionPlan, User
from portal.models.profiles import Association, CompanyType, Profile, TrustType

__all__ = [
    "Association",
    "AuditEvent",
    "CompanyType",
    "Firm",
    "Profile",
    "SubscriptionPlan",
    "TrustType",
    "User",
]
