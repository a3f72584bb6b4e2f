"""File import of credit records (CSV, XLSX) as background jobs with a per-row error report."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import BackgroundTasks, Depends, File, Form, Query, Request, Response, UploadFile

from app.api.deps import GUARDED, WITH_BODY, ClockDep, SessionDep, SettingsDep, require
from app.api.routing import api_router
from app.core import i18n
from app.core.access import Permission
from app.core.actors import Actor
from app.core.errors import DoesNotExist, problems
from app.core.pagination import CursorInvalid
from app.intake import imports, reads, templates
from app.intake.files import (
    DATE_FORMS,
    ImportFileEmpty,
    ImportFileEncoding,
    ImportFileHeader,
    ImportFileType,
)
from app.intake.imports import ImportNotYours
from app.models.base import Page
from app.models.import_job import (
    ImportJob,
    ImportJobPublic,
    ImportRowOutcome,
    ImportRowPublic,
    ImportStatus,
)

router = api_router(prefix="/imports", tags=["imports"], responses=problems(*GUARDED))
Importer = Annotated[Actor, Depends(require(Permission.imports_write))]
Reader = Annotated[Actor, Depends(require(Permission.imports_read))]
TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", templates.csv_template),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        templates.xlsx_template,
    ),
}


def _public(job: ImportJob) -> ImportJobPublic:
    done = job.status in (ImportStatus.finished, ImportStatus.failed)
    url = f"/api/v1/imports/{job.id}"
    return ImportJobPublic.model_validate(
        job, update={"errors_url": f"{url}/errors.csv" if done else None, "rows_url": f"{url}/rows"}
    )


@router.post(
    "",
    status_code=202,
    summary="从文件导入信用记录 / Import credit records from a file",
    description="A CSV (UTF-8, or GBK/GB18030 as Excel saves it in Chinese) or XLSX file whose "
    "header row uses the template's columns (Chinese label, English key, or both as in the "
    "template). A column of an enum takes the code or the Chinese label (`失信信息`, also "
    "`失信`; see `GET /vocabularies` or the template's values sheet); dates are written "
    f"{DATE_FORMS} or are Excel date cells. A row whose title or remarks begins with `示例` "
    "(the template's example row) is skipped. The header is checked at once; the rows are "
    "written in the background as drafts collected by you (Art 8: a second person verifies "
    "them). Watch `GET /imports/{id}`; `GET /imports/{id}/rows` says what became of each row. "
    "With `dry_run` every row is checked and nothing is written: the counts and rows say what "
    "would be created and what would be rejected, and why.",
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
    """上传 CSV（UTF-8 或 GBK）或 XLSX 文件，表头用模板的中文或英文列名；各行在后台写入为由你采
    集的草稿（第八条：由另一人核实）。`dry_run` 只校验、不写入。"""
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
    summary="下载导入模板 / Download the import template",
    description="The header row in Chinese and English (`统一社会信用代码 (uscc)`, ...) and one "
    "example row, skipped on import (its title and remarks begin with `示例`). The XLSX has a "
    "second sheet, `可选值 (values)`, listing every allowed value of every enum column (code, "
    "中文, English, other words accepted) and the accepted date forms, and drop-downs of the "
    "Chinese labels on the enum columns.",
    response_class=Response,
    responses=problems(*GUARDED),
)
async def import_template(file_format: Literal["csv", "xlsx"], actor: Reader) -> Response:
    """中英文表头，如 `统一社会信用代码 (uscc)`。"""
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
    summary="查看导入进度 / Watch an import",
    description="Progress (`rows_done` of `rows_total`), counts, and once it has finished "
    "the link to the rejected rows' report.",
    responses=problems(*GUARDED, DoesNotExist, ImportNotYours),
)
async def get_import(import_id: uuid.UUID, session: SessionDep, actor: Reader) -> ImportJobPublic:
    """进度和各类计数；完成后给出被拒绝行报告的链接。"""
    return _public(await reads.get(session=session, job_id=import_id, actor=actor))


@router.get(
    "/{import_id}/rows",
    summary="每一行的处理结果 / What became of each row",
    description="The rows done so far in row order (the spreadsheet's row numbers: the header "
    "is row 1): `created` with the record, `would_create` in a dry run, `rejected` with the "
    "reasons (in the language of `Accept-Language`, Chinese by default), `example` (skipped). "
    "Filter by `outcome`.",
    responses=problems(*GUARDED, DoesNotExist, ImportNotYours, CursorInvalid),
)
async def import_rows(
    import_id: uuid.UUID,
    session: SessionDep,
    actor: Reader,
    outcome: ImportRowOutcome | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> Page[ImportRowPublic]:
    """按行号列出每一行的结果：已创建、试导入时将创建、被拒绝（附原因）或示例行（跳过）。"""
    return await reads.list_rows(
        session=session,
        job_id=import_id,
        actor=actor,
        language=i18n.current(),
        outcome=outcome,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/{import_id}/errors.csv",
    summary="被拒绝的行及原因 / Rejected rows and why",
    description="One line per problem: row number (the spreadsheet's: the header is row 1, "
    "the first data row 2), column and reason, in the language of `Accept-Language` (Chinese by "
    "default: 行号, 列, 原因 and the column's Chinese name; English: row, column, reason and the "
    "column's key).",
    response_class=Response,
    responses=problems(*GUARDED, DoesNotExist, ImportNotYours),
)
async def import_errors(import_id: uuid.UUID, session: SessionDep, actor: Reader) -> Response:
    """每个问题一行：行号（表头为第1行）、列和原因。"""
    language = i18n.current()
    report = await reads.error_report(
        session=session, job_id=import_id, actor=actor, language=language
    )
    return Response(
        "\ufeff" + report,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"',
            "Content-Language": language,
        },
    )
