"""Every table, imported so that SQLModel.metadata knows them all."""

from app.models.audit import AuditEvent
from app.models.client import ApiClient
from app.models.employer import Employer
from app.models.user import User

__all__ = ["ApiClient", "AuditEvent", "Employer", "User"]
