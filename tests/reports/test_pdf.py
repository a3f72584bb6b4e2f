"""The PDF foundation (app.reports.pdf): Chinese text that extracts, tables, a QR code, and the
same bytes for the same document."""

from __future__ import annotations

from app.reports import pdf
from tests.reports.pdf_text import text_of


def _document() -> pdf.Document:
    document = pdf.Document("拟评C级告知书", subtitle="Notice", number="文人社信告〔2026〕12号")
    document.heading("一、基本信息")
    document.key_values([("单位名称", "文水县晋阳纺织有限公司"), ("法定代表人", None)])
    document.paragraph("你单位<存在>拖欠工资 & 违法行为。\n\n第二段：依据《办法》第十三条。")
    document.table(["日期", "事项"], [["2026-03-01", "拖欠农民工工资"], ["2026-04-01", "未签合同"]])
    document.table(["日期"], [], empty="近12个月无记录")
    document.qr("https://credit.example/api/v1/credit-reports/ABCDEFGH23456789", caption="扫码核验")
    document.signature("文水县人力资源和社会保障局", "2026年12月1日")
    return document


def test_chinese_text_extracts_as_written() -> None:
    text = text_of(_document().render())
    expected_texts = [
        *("拟评C级告知书", "文人社信告〔2026〕12号", "文水县晋阳纺织有限公司", "—"),
        *("你单位<存在>拖欠工资&违法行为。", "第二段：依据《办法》第十三条。"),
        *("拖欠农民工工资", "近12个月无记录", "扫码核验", "2026年12月1日", "第1页"),
    ]
    for expected in expected_texts:
        assert expected in text, expected


def test_the_same_document_renders_the_same_bytes() -> None:
    assert _document().render() == _document().render()


def test_a_long_document_runs_over_pages() -> None:
    document = pdf.Document("长文档")
    document.table(["序号", "内容"], [[str(n), "用人单位劳动保障信用" * 3] for n in range(200)])
    text = text_of(document.render())
    assert "第3页" in text and "199" in text
