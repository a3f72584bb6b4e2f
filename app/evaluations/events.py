"""A grade's events (`evaluation.noticed`, `evaluation.finalized`), written to the event log in
the transaction that serves a notice or makes an evaluation final, read from the evaluations as
stored; a grading statement writes its own (`grading.apply`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_NOTICED = """
    INSERT INTO credit_events (event_type, subject_type, subject_id, employer_id, payload)
    SELECT 'evaluation.noticed', 'evaluation', e.id, e.employer_id, jsonb_build_object(
               'cycle', e.cycle, 'grade', e.grade,
               'representation_deadline', e.representation_deadline,
               'served_on', CAST(:served_on AS date))
    FROM evaluations e
    WHERE e.id = ANY(:ids) AND e.status = 'notice' AND e.representation_deadline IS NOT NULL
    ORDER BY e.id
"""

# previous_grade: the grade of the current evaluation this one replaced (a notice's proposed C
# too), as a grading statement writes it; a confirmed notice replaced what its notice replaced
_FINALIZED = """
    INSERT INTO credit_events (event_type, subject_type, subject_id, employer_id, payload)
    SELECT 'evaluation.finalized', 'evaluation', e.id, e.employer_id, jsonb_build_object(
               'cycle', e.cycle, 'grade', e.grade, 'effective_from', e.effective_from,
               'previous_grade', p.grade, 'origin', e.origin)
    FROM evaluations e
    LEFT JOIN evaluations p ON p.id = e.supersedes_id
    WHERE e.id = ANY(:ids) AND e.status = 'final'
    ORDER BY e.id
"""


async def noticed(
    *, session: AsyncSession, evaluation_ids: Sequence[uuid.UUID], served_on: object
) -> None:
    """Announce the notices served (those still a notice with their deadline)."""
    if evaluation_ids:
        await session.execute(text(_NOTICED), {"ids": list(evaluation_ids), "served_on": served_on})


async def finalized(*, session: AsyncSession, evaluation_ids: Sequence[uuid.UUID]) -> None:
    """Announce the evaluations that took effect."""
    if evaluation_ids:
        await session.execute(text(_FINALIZED), {"ids": list(evaluation_ids)})
