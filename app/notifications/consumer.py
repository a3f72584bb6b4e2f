"""The notifications stage's consumer of the event log (`core.events`): every event an employer
must be told of (grades, disclosures, objections, repairs, and a grading run's grades) becomes a
notification (`service.notify`)."""

from __future__ import annotations

from app.core.events import Consumer
from app.notifications import service

CONSUMER = Consumer(name="notifications", types=service.TYPES, handle=service.notify)
