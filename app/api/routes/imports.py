"""File import of credit records (CSV, XLSX) as background jobs with a per-row error report."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import BackgroundTasks, Depends, File, Form, Request, Response, UploadFile

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.intake import files as import_files
from app.intake import imports
from app.intake.files import ImportFileEmpty, ImportFileEncoding, ImportFileHeader, ImportFileType
from app.intake.imports import ImportNotYours
from app.models.import_job import ImportJob, ImportJobPublic, ImportStatus

router = api_router(prefix="/imports", tags=["imports"], responses=problems(*GUARDED))
Importer = Annotated[Actor, Depends(require(Permission.imports_write))]
Reader = Annotated[Actor, Depends(require(Permission.imports_read))]
TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", import_files.csv_template),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        import_files.xlsx_template,
    ),
}


def _public(job: ImportJob) -> ImportJobPublic:
    done = job.status in (ImportStatus.finished, ImportStatus.failed)
    return ImportJobPublic.model_validate(
        job, update={"errors_url": f"/api/v1/imports/{job.id}/errors.csv" if done else None}
    )


@router.post(
    "",
    status_code=202,
    summary="Import credit records from a file",
    description="A CSV (UTF-8, or GBK/GB18030 as Excel saves it in Chinese) or XLSX file whose "
    "header row uses the template's columns (Chinese label, English key, or both as in the "
    "template). The header is checked at once; the rows are written in the background as drafts "
    "collected by you (Art 8: a second person verifies them). Watch `GET /imports/{id}`. With "
    "`dry_run` every row is checked and nothing is written.",
    responses=problems(
        *GUARDED, *WITH_BODY, ImportFileType, ImportFileEncoding, ImportFileEmpty, ImportFileHeader
    ),
)
async def start_import(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    actor: Importer,
    file: Annotated[UploadFile, File(description="the .csv or .xlsx file")],
    dry_run: Annotated[bool, Form()] = False,
) -> ImportJobPublic:
    job = await imports.start(
        session=session,
        file_name=file.filename or "upload",
        content=await file.read(),
        dry_run=dry_run,
        actor=actor,
        settings=settings,
    )
    background.add_task(
        imports.run,
        factory=request.app.state.session_factory,
        job_id=job.id,
        settings=settings,
        clock=clock,
    )
    return _public(job)


@router.get(
    "/templates/{file_format}",
    summary="Download the import template",
    description="The header row in Chinese and English: `统一社会信用代码 (uscc)`, ...",
    response_class=Response,
    responses=problems(*GUARDED),
)
async def import_template(file_format: Literal["csv", "xlsx"], actor: Reader) -> Response:
    media_type, build = TEMPLATES[file_format]
    return Response(
        build(),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="credit-records-template.{file_format}"'
        },
    )


@router.get(
    "/{import_id}",
    summary="Watch an import",
    description="Progress (`rows_done` of `rows_total`), counts, and once it has finished "
    "the link to the rejected rows' report.",
    responses=problems(*GUARDED, DoesNotExist, ImportNotYours),
)
async def get_import(import_id: uuid.UUID, session: SessionDep, actor: Reader) -> ImportJobPublic:
    return _public(await imports.get(session=session, job_id=import_id, actor=actor))


@router.get(
    "/{import_id}/errors.csv",
    summary="Rejected rows and why",
    description="One line per problem: row number (1 = first row under the header), "
    "column and reason.",
    response_class=Response,
    responses=problems(*GUARDED, DoesNotExist, ImportNotYours),
)
async def import_errors(import_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    report = await imports.error_report(session=session, job_id=import_id, actor=actor)
    return Response(
        "\ufeff" + report,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
