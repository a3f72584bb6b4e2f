"""Every type an evidence file may declare has its content checked: a file whose content is not
what it declares is refused (415 attachment-content-mismatch), and a type with no check cannot
be configured."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.models.user import Role
from tests.api.test_credit_records import BASE, PDF, _verified
from tests.conftest import assert_problem

DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLS = "application/vnd.ms-excel"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFD = "application/ofd"

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def compound(*streams: str) -> bytes:
    """The parts of an OLE2 compound file the check reads: its signature, and a directory
    naming its streams (UTF-16LE names in 128-byte entries)."""
    header = OLE2 + bytes(504)
    entries = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in ("Root Entry", *streams)
    )
    return header + entries


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["统一社会信用代码", "处罚决定书文号"])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WORD_XML = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")
GOOD = [
    ("决定书.pdf", PDF, "application/pdf"),
    ("现场.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
    ("现场.jpg", b"\xff\xd8\xff\xe0" + bytes(32), "image/jpeg"),
    ("笔录.doc", compound("WordDocument", "\x01CompObj"), DOC),
    ("笔录.docx", zipped(*WORD_XML), DOCX),
    ("工资表.xls", compound("Workbook"), XLS),
    ("工资表95.xls", compound("Book"), XLS),
    ("工资表.xlsx", xlsx(), XLSX),
    ("决定书.ofd", zipped("OFD.xml", "Doc_0/Document.xml"), OFD),
]
BAD = [
    ("an HTML page declared Word", HTML, DOC),
    ("an HTML page declared DOCX", HTML, DOCX),
    ("an HTML page declared Excel", HTML, XLS),
    ("an HTML page declared XLSX", HTML, XLSX),
    ("an HTML page declared OFD", HTML, OFD),
    ("an Excel workbook declared Word", compound("Workbook"), DOC),
    ("a Word document declared Excel", compound("WordDocument"), XLS),
    ("an XLSX declared DOCX", xlsx(), DOCX),
    ("a DOCX declared XLSX", zipped(*WORD_XML), XLSX),
    ("a ZIP without OFD.xml declared OFD", zipped("Doc_0/Document.xml"), OFD),
    ("a ZIP without content types declared DOCX", zipped("word/document.xml"), DOCX),
    ("an HTML page with a DOCX after it", HTML + zipped(*WORD_XML), DOCX),
    ("a truncated ZIP declared DOCX", zipped(*WORD_XML)[:40], DOCX),
    ("the OLE2 signature alone", OLE2, DOC),
]


@pytest.fixture
async def evidence_url(client, headers_for, make_employer, app, settings, tmp_path) -> Any:  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(update={"attachments_dir": tmp_path})
    inspector, reviewer = await headers_for(Role.inspector), await headers_for(Role.reviewer)
    record = await _verified(client, (await make_employer()).id, inspector, reviewer)
    return f"{BASE}/{record['id']}/attachments", inspector


async def test_every_accepted_type_is_covered_here(settings):
    assert {media_type for _, _, media_type in GOOD} == settings.attachment_content_types


@pytest.mark.parametrize(("name", "content", "media_type"), GOOD, ids=[g[0] for g in GOOD])
async def test_a_file_that_is_what_it_declares_is_kept(
    client, evidence_url, name, content, media_type
):  # type: ignore[no-untyped-def]
    url, inspector = evidence_url
    files = {"file": (name, content, media_type)}
    response = await client.post(url, files=files, headers=inspector)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == media_type


@pytest.mark.parametrize(("case", "content", "media_type"), BAD, ids=[b[0] for b in BAD])
async def test_a_file_that_is_not_what_it_declares_is_refused(  # type: ignore[no-untyped-def]
    client, evidence_url, tmp_path, case, content, media_type
):
    url, inspector = evidence_url
    files = {"file": ("证据", content, media_type)}
    body = assert_problem(await client.post(url, files=files, headers=inspector), 415)
    assert body["type"].endswith("/attachment-content-mismatch")
    assert media_type in body["detail"]
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # nothing stored
    assert (await client.get(url, headers=inspector)).json()["items"] == []


def test_a_type_without_a_content_check_cannot_be_accepted():
    with pytest.raises(ValidationError, match="text/html"):
        Settings(attachment_content_types=frozenset({"application/pdf", "text/html"}))
    narrower = Settings(attachment_content_types=frozenset({"application/pdf"}))
    assert narrower.attachment_content_types == {"application/pdf"}
