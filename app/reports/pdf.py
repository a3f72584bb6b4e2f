"""PDFs in Chinese, built on reportlab: one small API for every paper the service issues
(credit reports, official letters, the yearly report).

Chinese needs no system font: the text is set in reportlab's built-in CID font STSong-Light
(Adobe-GB1, encoding UniGB-UCS2-H), one of the fonts every conforming PDF reader supplies, so
the file carries no font program and stays small. Its text extracts as Unicode (pypdf reads the
predefined CMap; the tests extract and check the text of every PDF they make).

    document = pdf.Document("专项信用报告", subtitle="Credit report", number="〔2026〕1号")
    document.heading("一、基本信息")
    document.key_values([("单位名称", "文水县某某有限公司"), ("统一社会信用代码", "9114...")])
    document.paragraph("……")
    document.table(["日期", "事项"], [["2026-03-01", "欠薪"]])
    document.qr("https://example/credit-reports/ABCD", caption="扫码核验")
    data: bytes = document.render()

`add(flowable)` takes any reportlab flowable (a chart from reportlab.graphics, a Drawing) for
what this API does not cover. Everything passed as text is plain text (escaped here), never
reportlab markup. The output is byte-for-byte the same for the same calls (reportlab's
invariant mode: no creation date, no random file id), so a document's hash is reproducible.

Charts (the yearly report's): `bar_chart(["凤城镇", "孝义镇"], [("A级", [120, 80]), ("C级",
[3, 1])])` and `line_chart(["2024", "2025"], [("C级", [5, 4])], caption="C级单位数")`, each
with a legend of its series, its labels in the same font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN  # the text block's width

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
_TITLE = ParagraphStyle(
    "title", parent=_BODY, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=2 * mm
)
_SUBTITLE = ParagraphStyle("subtitle", parent=_BODY, alignment=TA_CENTER, textColor=colors.grey)
_NUMBER = ParagraphStyle("number", parent=_BODY, alignment=TA_CENTER, spaceAfter=4 * mm)
_HEADING = ParagraphStyle(
    "heading", parent=_BODY, fontSize=12.5, leading=19, spaceBefore=3 * mm, spaceAfter=1 * mm
)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=9.5, leading=13)
_CAPTION = ParagraphStyle("caption", parent=_BODY, fontSize=9, leading=12, alignment=TA_CENTER)
_SIGNATURE = ParagraphStyle("signature", parent=_BODY, alignment=TA_RIGHT)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
)

# series colours of the charts, in order (the grades A, B, C read green, amber, red)
SERIES_COLOURS = [
    colors.HexColor("#2e7d32"),
    colors.HexColor("#f9a825"),
    colors.HexColor("#c62828"),
    colors.HexColor("#1565c0"),
    colors.HexColor("#6a1b9a"),
    colors.HexColor("#00838f"),
]
Series = Sequence[tuple[str, Sequence[float]]]  # (name shown in the legend, one value per category)


def _text(value: object) -> str:
    """Plain text as reportlab paragraph markup: escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


class Document:
    """A document being built: a title (with an optional subtitle and document number), then
    blocks in order; `render` lays it out on A4 pages numbered at the foot."""

    def __init__(
        self,
        title: str,
        *,
        subtitle: str | None = None,
        number: str | None = None,
        author: str = "文水县人力资源和社会保障局",
    ) -> None:
        self.title = title
        self.author = author
        self._blocks: list[Flowable] = [Paragraph(_text(title), _TITLE)]
        if subtitle:
            self._blocks.append(Paragraph(_text(subtitle), _SUBTITLE))
        if number:
            self._blocks.append(Paragraph(_text(number), _NUMBER))
        else:
            self._blocks.append(Spacer(1, 4 * mm))

    def heading(self, text: str) -> Document:
        self._blocks.append(Paragraph(_text(text), _HEADING))
        return self

    def paragraph(self, text: str) -> Document:
        """A paragraph of running text; a blank line (two line breaks) starts another."""
        for part in str(text).split("\n\n"):
            self._blocks.append(Paragraph(_text(part), _BODY))
            self._blocks.append(Spacer(1, 1.5 * mm))
        return self

    def key_values(self, rows: Sequence[tuple[str, object]]) -> Document:
        """A two-column table of labels and values (None shows as "—")."""
        cells = [
            [Paragraph(_text(key), _CELL), Paragraph(_text("—" if v is None else v), _CELL)]
            for key, v in rows
        ]
        if cells:
            table = Table(cells, colWidths=[WIDTH * 0.3, WIDTH * 0.7])
            table.setStyle(_GRID)
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
            self._blocks += [table, Spacer(1, 2 * mm)]
        return self

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        widths: Sequence[float] | None = None,
        empty: str = "无",
    ) -> Document:
        """A table with a header row; `widths` are shares of the text width (default equal);
        no rows: the `empty` sentence instead."""
        if not rows:
            return self.paragraph(empty)
        shares = widths or [1 / len(header)] * len(header)
        cells = [[Paragraph(_text(h), _CELL) for h in header]]
        cells += [[Paragraph(_text("—" if v is None else v), _CELL) for v in row] for row in rows]
        table = Table(cells, colWidths=[WIDTH * s for s in shares], repeatRows=1)
        table.setStyle(_GRID)
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
        self._blocks += [table, Spacer(1, 2 * mm)]
        return self

    def qr(self, data: str, *, caption: str | None = None, size_mm: float = 32) -> Document:
        """A QR code of `data` (a URL), centred, with an optional caption under it."""
        widget = QrCodeWidget(data)
        x0, y0, x1, y1 = widget.getBounds()
        side = size_mm * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        drawing.hAlign = "CENTER"
        self._blocks.append(drawing)
        if caption:
            self._blocks.append(Paragraph(_text(caption), _CAPTION))
        return self

    def bar_chart(
        self,
        categories: Sequence[str],
        series: Series,
        *,
        caption: str | None = None,
        height_mm: float = 70,
        stacked: bool = False,
    ) -> Document:
        """Vertical bars: one group per category (side by side, or `stacked`), one bar per
        series, with a legend of the series' names."""
        chart = VerticalBarChart()
        if stacked:
            chart.categoryAxis.style = "stacked"
        self._chart(chart, categories, series, caption, height_mm)
        chart.barSpacing = 1
        for index in range(len(series)):
            chart.bars[index].fillColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            chart.bars[index].strokeColor = None
        return self

    def line_chart(
        self,
        categories: Sequence[str],
        series: Series,
        *,
        caption: str | None = None,
        height_mm: float = 60,
    ) -> Document:
        """One line per series over the categories (cycles, months), with a legend."""
        chart = HorizontalLineChart()
        self._chart(chart, categories, series, caption, height_mm)
        chart.joinedLines = 1
        for index in range(len(series)):
            chart.lines[index].strokeColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            chart.lines[index].strokeWidth = 1.5
        return self

    def _chart(
        self,
        chart: VerticalBarChart | HorizontalLineChart,
        categories: Sequence[str],
        series: Series,
        caption: str | None,
        height_mm: float,
    ) -> None:
        height = height_mm * mm
        drawing = Drawing(WIDTH, height)
        chart.x, chart.y = 12 * mm, 14 * mm
        chart.width, chart.height = WIDTH - 48 * mm, height - 20 * mm
        chart.data = [list(values) for _, values in series] or [[0] * len(categories)]
        chart.categoryAxis.categoryNames = [str(c) for c in categories]
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 8
        if len(categories) > 6:  # long lists of towns: slanted, so the names do not collide
            chart.categoryAxis.labels.angle = 30
            chart.categoryAxis.labels.boxAnchor = "ne"
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 8
        top = max((v for _, values in series for v in values), default=0)
        if top < 5:  # small counts: whole steps, not 0.5
            chart.valueAxis.valueMax, chart.valueAxis.valueStep = 5, 1
        drawing.add(chart)
        legend = Legend()
        legend.fontName, legend.fontSize = FONT, 8
        legend.x, legend.y = WIDTH - 32 * mm, height - 8 * mm
        legend.alignment = "right"
        legend.colorNamePairs = [
            (SERIES_COLOURS[i % len(SERIES_COLOURS)], name) for i, (name, _) in enumerate(series)
        ]
        drawing.add(legend)
        drawing.hAlign = "CENTER"
        self._blocks.append(drawing)
        if caption:
            self._blocks.append(Paragraph(_text(caption), _CAPTION))

    def signature(self, *lines: str) -> Document:
        """Right-aligned closing lines: the issuing body and the date."""
        self._blocks.append(Spacer(1, 6 * mm))
        for line in lines:
            self._blocks.append(Paragraph(_text(line), _SIGNATURE))
        return self

    def spacer(self, height_mm: float = 4) -> Document:
        self._blocks.append(Spacer(1, height_mm * mm))
        return self

    def add(self, flowable: Flowable) -> Document:
        """Any reportlab flowable (a chart, a Drawing) as the next block."""
        self._blocks.append(flowable)
        return self

    def render(self) -> bytes:
        buffer = io.BytesIO()
        template = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=self.title,
            author=self.author,
            creator="labor-credit",
            invariant=True,
        )
        template.build(list(self._blocks), onFirstPage=_foot, onLaterPages=_foot)
        return buffer.getvalue()


def _foot(canvas: Canvas, document: BaseDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {document.page} 页")
    canvas.restoreState()
