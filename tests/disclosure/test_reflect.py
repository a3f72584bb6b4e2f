"""Publishing, updating and withdrawing a disclosure from the facts (Art 14, docs/law.md §5)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core import events
from app.core.clock import Clock
from app.disclosure import consumer, service
from app.models.credit_record import RevocationCreate
from app.models.evaluation import EvaluationStatus
from app.models.event import CreditEvent, EventSubject
from app.models.objection import (
    Objection,
    ObjectionChannel,
    ObjectionReason,
    ObjectionStatus,
    ObjectionTarget,
)
from app.models.user import Role
from app.records import service as credit_records
from tests.disclosure.support import (
    add_record,
    disclosures_of,
    final_evaluation,
    items_of,
    staff,
)


async def _events(session, employer_id):
    found = await session.scalars(
        select(CreditEvent)
        .where(CreditEvent.employer_id == employer_id, CreditEvent.subject_type == "disclosure")
        .order_by(CreditEvent.id)
    )
    return list(found.all())


async def test_a_final_c_publishes_its_general_and_serious_items_not_the_light(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    general = await add_record(session, settings, clock, employer.id, people)
    serious = await add_record(
        session, settings, clock, employer.id, people, severity="serious",
        decided=date(2026, 10, 1),
    )  # fmt: skip
    await add_record(session, settings, clock, employer.id, people, severity="light")
    await final_evaluation(session, employer.id, evidence=[general.id, serious.id])
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)

    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.cycle, disclosure.list_status) == (
        "published",
        2026,
        "black",  # a serious item
    )
    assert disclosure.employer_name == employer.name and disclosure.uscc == employer.uscc
    items = await items_of(session, disclosure.id)
    assert [(i.record_id, i.severity) for i in items] == [
        (general.id, "general"), (serious.id, "serious")
    ]  # fmt: skip
    assert items[0].publication_end_date == date(2027, 3, 10)
    assert items[0].repair_available_from == date(2026, 6, 10)
    assert items[1].publication_end_date == date(2029, 10, 1)
    assert items[1].repair_available_from == date(2027, 10, 1)
    assert items[0].result == "罚款：罚款2万元"
    [published] = await _events(session, employer.id)  # the second reflect changed nothing
    assert published.event_type == "disclosure.published"
    assert published.payload["items"][1]["repair_available_from"] == "2027-10-01"
    assert published.payload["list_status"] == "black"


async def test_a_general_only_unit_is_yellow_and_leaving_c_withdraws(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await add_record(session, settings, clock, employer.id, people)
    await final_evaluation(session, employer.id, evidence=[record.id])
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    [disclosure] = await disclosures_of(session, employer.id)
    assert disclosure.list_status == "yellow"

    await final_evaluation(session, employer.id, grade="B")
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.withdrawal_reason) == ("withdrawn", "grade_changed")
    assert disclosure.withdrawn_at is not None
    kinds = [e.event_type for e in await _events(session, employer.id)]
    assert kinds == ["disclosure.published", "disclosure.withdrawn"]


async def test_revoking_every_item_withdraws_with_items_ended(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await add_record(session, settings, clock, employer.id, people)
    await final_evaluation(session, employer.id, evidence=[record.id])
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    revocation = RevocationCreate(reason="复议撤销", revoking_document="文人社撤字〔2026〕1号")
    await credit_records.revoke(
        session=session, record_id=record.id, data=revocation, actor=people[1], clock=clock
    )
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.withdrawal_reason) == ("withdrawn", "items_ended")
    [item] = await items_of(session, disclosure.id)
    assert (item.end_reason, item.ended_on) == ("revoked", clock.today())


async def test_the_consumer_publishes_on_evaluation_finalized(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await add_record(session, settings, clock, employer.id, people)
    evaluation = await final_evaluation(session, employer.id, evidence=[record.id])
    await events.emit(
        session=session,
        events=[
            events.event(
                "evaluation.finalized",
                subject_type=EventSubject.evaluation,
                subject_id=evaluation.id,
                employer_id=employer.id,
                payload={"cycle": 2026, "grade": "C", "effective_from": "2026-11-01",
                         "previous_grade": "B", "origin": "event"},
            )
        ],
    )  # fmt: skip
    from datetime import timedelta

    handled = await events.consume(
        session=session, consumer=consumer.CONSUMER, clock=clock, batch=100,
        horizon=timedelta(minutes=15),
    )  # fmt: skip
    assert handled >= 1
    [disclosure] = await disclosures_of(session, employer.id)
    assert disclosure.status == "published"
    assert evaluation.status == EvaluationStatus.final


async def test_items_past_their_end_are_ended_by_the_job_and_the_disclosure_withdrawn(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await add_record(session, settings, clock, employer.id, people)
    await final_evaluation(session, employer.id, evidence=[record.id])
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    later = Clock.pinned(clock.now().replace(year=2027, month=3, day=11))
    await service.reflect(session=session, employer_id=employer.id, clock=later, settings=settings)
    [disclosure] = await disclosures_of(session, employer.id)
    assert (disclosure.status, disclosure.withdrawal_reason) == ("withdrawn", "items_ended")
    [item] = await items_of(session, disclosure.id)
    assert item.end_reason == "expired"


async def test_an_open_objection_flags_the_record_s_items_while_it_is_open(
    session, settings, clock, make_employer, make_user
):
    employer = await make_employer()
    people = await staff(make_user)
    record = await add_record(session, settings, clock, employer.id, people)
    await final_evaluation(session, employer.id, evidence=[record.id])
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    contest = Objection(
        employer_id=employer.id, target_type=ObjectionTarget.record, target_id=record.id,
        target_key=record.record_key, reason_category=ObjectionReason.error, statement="有误",
        channel=ObjectionChannel.letter, receipt_date=date(2026, 11, 20),
        status=ObjectionStatus.filed, filer_role=Role.inspector,
    )  # fmt: skip
    session.add(contest)
    await session.flush()
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    [disclosure] = await disclosures_of(session, employer.id)
    [item] = await items_of(session, disclosure.id)
    assert item.disputed and disclosure.version == 2
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    await session.delete(contest)  # as if never filed: nothing open flags the item
    await session.flush()
    await service.reflect(session=session, employer_id=employer.id, clock=clock, settings=settings)
    await session.refresh(item)
    await session.refresh(disclosure)
    assert not item.disputed and disclosure.version == 3
    kinds = [e.event_type for e in await _events(session, employer.id)]
    assert kinds == ["disclosure.published", "disclosure.updated", "disclosure.updated"]
