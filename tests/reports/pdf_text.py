"""The text of a PDF, as a reader would copy it (pypdf): what the tests check of every PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def text_of(data: bytes) -> str:
    """Every page's text, joined, whitespace removed (reportlab wraps Chinese lines anywhere)."""
    assert data.startswith(b"%PDF-"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)
