"""Whether a file's content is the type it declares: the check each accepted type of evidence
file passes (records/evidence.py; settings refuse a type that has none). Cheap and on the bytes
in memory: signatures, and for containers their table of contents, nothing unpacked.

- PDF, PNG, JPEG: their signatures.
- Word and Excel 97-2003 (.doc, .xls): OLE2 compound files (D0 CF 11 E0 A1 B1 1A E1) whose
  directory names their main stream: `WordDocument`; `Workbook` (`Book` for Excel 5/95).
- Word and Excel 2007+ (.docx, .xlsx): OOXML packages, ZIP files (a local file header first)
  whose central directory holds `[Content_Types].xml` and parts under `word/` or `xl/`.
- OFD (GB/T 33190-2016): a ZIP package with `OFD.xml` at its root.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

Check = Callable[[bytes], bool]

OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP = b"PK\x03\x04"
CONTENT_TYPES = "[Content_Types].xml"


def _starts_with(*signatures: bytes) -> Check:
    return lambda data: data.startswith(signatures)


def _compound_file(*streams: str) -> Check:
    # a directory entry holds its name in UTF-16LE, ended by a NUL character
    names = [stream.encode("utf-16-le") + b"\0\0" for stream in streams]
    return lambda data: data.startswith(OLE2) and any(name in data for name in names)


def _members(data: bytes) -> set[str] | None:
    """The names in a ZIP file's central directory; None if it is not a whole ZIP file (a ZIP
    appended to something else is not one either: it must begin with its first member)."""
    if not data.startswith(ZIP):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):  # ValueError: a bad name
        return None


def _ooxml(folder: str) -> Check:
    def check(data: bytes) -> bool:
        names = _members(data) or set()
        return CONTENT_TYPES in names and any(name.startswith(folder) for name in names)

    return check


def _ofd(data: bytes) -> bool:
    return "OFD.xml" in (_members(data) or set())


CHECKS: dict[str, Check] = {
    "application/pdf": _starts_with(b"%PDF-"),
    "image/png": _starts_with(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": _starts_with(b"\xff\xd8\xff"),
    "application/msword": _compound_file("WordDocument"),
    "application/vnd.ms-excel": _compound_file("Workbook", "Book"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ooxml("word/"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ooxml("xl/"),
    "application/ofd": _ofd,
}
CHECKED_TYPES = frozenset(CHECKS)


def is_what_it_declares(media_type: str, data: bytes) -> bool:
    """False also for a type with no check: nothing is taken on its word."""
    check = CHECKS.get(media_type)
    return check is not None and check(data)
