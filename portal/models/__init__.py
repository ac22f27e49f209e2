"""The stored data, in SQLAlchemy 2.0 typed mappings."""

from portal.models.audit import AuditEvent
from portal.models.bulk import BulkImport, BulkImportProblem, BulkImportRow
from portal.models.connections import OAuthRequest, XpmConnection
from portal.models.directory import DirectoryEntry, DirectorySync, StructureMapping
from portal.models.firms import (
    Firm,
    Passkey,
    RecoveryCode,
    SignInSession,
    SubscriptionPlan,
    User,
)
from portal.models.merges import ProfileMerge
from portal.models.profiles import Association, CompanyType, Profile, TrustType

__all__ = [
    "Association",
    "AuditEvent",
    "BulkImport",
    "BulkImportProblem",
    "BulkImportRow",
    "CompanyType",
    "DirectoryEntry",
    "DirectorySync",
    "Firm",
    "OAuthRequest",
    "Passkey",
    "Profile",
    "ProfileMerge",
    "RecoveryCode",
    "SignInSession",
    "StructureMapping",
    "SubscriptionPlan",
    "TrustType",
    "User",
    "XpmConnection",
]
