"""Every table, imported so that SQLModel.metadata knows them all."""

from app.models.audit import AuditEvent
from app.models.blacklist import BlacklistEntry, BlacklistPerson
from app.models.calendar import CalendarDay, CalendarYear
from app.models.client import ApiClient
from app.models.credit_record import CreditRecord
from app.models.credit_report import CreditReport
from app.models.disclosure import Disclosure, DisclosureItem
from app.models.document import Document, DocumentCounter, DocumentTemplate
from app.models.employer import Employer
from app.models.evaluation import Evaluation
from app.models.event import ConsumedEvent, CreditEvent, EventConsumer
from app.models.grading_run import GradingRun, GradingRunSlice
from app.models.import_job import ImportJob, ImportRowError, ImportRowResult
from app.models.inspection_plan import InspectionPlan, InspectionPlanUnit, InspectionVisit
from app.models.intake import IdempotentRequest, IntakeItem
from app.models.interview import Interview
from app.models.measure import MeasureSet
from app.models.notification import Notification, NotificationChannel, NotificationDelivery
from app.models.objection import Objection, ObjectionAttachment
from app.models.policy import Policy, PolicyExtension
from app.models.push import PushBreaker, PushMessage, PushReconciliation, PushSequence
from app.models.record_attachment import RecordAttachment
from app.models.repair import RepairApplication, RepairAttachment
from app.models.representation import RepresentationStatement
from app.models.representation_attachment import RepresentationAttachment
from app.models.rule_set import RuleSet
from app.models.scheduler import JobRun, SchedulerHeartbeat
from app.models.sign_in import SignInFailures
from app.models.user import User

__all__ = [
    "ApiClient",
    "AuditEvent",
    "BlacklistEntry",
    "BlacklistPerson",
    "CalendarDay",
    "CalendarYear",
    "ConsumedEvent",
    "CreditEvent",
    "CreditRecord",
    "CreditReport",
    "Disclosure",
    "DisclosureItem",
    "Document",
    "DocumentCounter",
    "DocumentTemplate",
    "Employer",
    "Evaluation",
    "EventConsumer",
    "GradingRun",
    "GradingRunSlice",
    "IdempotentRequest",
    "ImportJob",
    "ImportRowError",
    "ImportRowResult",
    "InspectionPlan",
    "InspectionPlanUnit",
    "InspectionVisit",
    "IntakeItem",
    "Interview",
    "JobRun",
    "MeasureSet",
    "Notification",
    "NotificationChannel",
    "NotificationDelivery",
    "Objection",
    "ObjectionAttachment",
    "Policy",
    "PolicyExtension",
    "PushBreaker",
    "PushMessage",
    "PushReconciliation",
    "PushSequence",
    "RecordAttachment",
    "RepairApplication",
    "RepairAttachment",
    "RepresentationAttachment",
    "RepresentationStatement",
    "RuleSet",
    "SchedulerHeartbeat",
    "SignInFailures",
    "User",
]
