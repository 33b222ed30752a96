"""Tables of the care domain, one module per idea."""
from .catalogue import BudgetOverride, CareProfile, Service, ServiceVersion, StaffLevel, StaffLevelRate
from .clients import Client, FamilyContact
from .packages import PackageLine, PackageVersion, Review

__all__ = [
    "BudgetOverride", "CareProfile", "Client", "FamilyContact", "PackageLine", "PackageVersion", "Review",
    "Service", "ServiceVersion", "StaffLevel", "StaffLevelRate",
]
