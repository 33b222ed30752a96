"""Tables of the care domain, one module per idea."""
from .catalogue import BudgetOverride, CareProfile, Service, ServiceVersion, StaffLevel, StaffLevelRate
from .clients import Client, FamilyContact
from .health import HealthRisk, ObservationPoint, OmahaProblem, Prescription, RiskRating, RiskRule
from .packages import PackageLine, PackageVersion, Review

__all__ = [
    "BudgetOverride", "CareProfile", "Client", "FamilyContact", "HealthRisk", "ObservationPoint", "OmahaProblem",
    "PackageLine", "PackageVersion", "Prescription", "Review", "RiskRating", "RiskRule",
    "Service", "ServiceVersion", "StaffLevel", "StaffLevelRate",
]
