"""Report downloads: exactly the published figures in every format, nothing that runs as a
formula, nothing that identifies a young person."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.http import Http404
from django.utils import timezone
from fpdf.errors import FPDFResourceAccessError

from reports.charts import chart_svg
from reports.disclosure import SUPPRESSION_NOTE, Figure
from reports.exports import (
    Report,
    chart_download,
    csv_safe,
    dashboard_charts,
    dashboard_download,
    dashboard_report,
    tables_csv,
    tables_pdf,
    tables_xlsx,
)
from reports.periods import PeriodKind, period_containing
from reports.selectors import Row, Table, area_dashboard
from tests.reports.report_data import (
    csv_blocks,
    pdf_row,
    pdf_streams,
    pdf_strings,
    reported_area,
    xlsx_parts,
    xlsx_sheets,
)

SEX = Table(
    "sex",
    "Concerns raised by sex",
    [
        Row("male", "Male", Figure("c"), Figure("0", 0), Figure("c")),
        Row("female", "Female", Figure("1,234", 1234), Figure("12", 12), Figure("+1,222", 1222)),
    ],
    Row("raised", "Concerns raised", Figure("c"), Figure("12", 12), Figure("c")),
    note="Sex as recorded.",
)
RATES = Table(
    "summary",
    "Summary",
    [
        Row(
            "rate",
            "Decided within one working day",
            Figure("12.5%", 12.5),
            Figure("z"),
            Figure("z"),
        ),
        Row(
            "median",
            "Median time to decision (hours)",
            Figure("4.5", 4.5),
            Figure(":"),
            Figure("z"),
        ),
        Row("fewer", "Fewer than before", Figure("7", 7), Figure("12", 12), Figure("-5", -5)),
    ],
    chart="",
)
REPORT = Report(
    "Report for Testshire", "November 2026", "October 2026", SUPPRESSION_NOTE, [RATES, SEX]
)
# A chart as reports.charts draws one, small enough to read: one bar in GOV.UK blue.
CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect x="10" y="10" width="50" height="80" fill="#1d70b8"/></svg>'
)
BAR_FILL = b"0.1137 0.4392 0.7216 rg"


def test_csv_has_a_block_per_table_with_exactly_the_published_texts() -> None:
    blocks = csv_blocks(tables_csv(REPORT))

    assert blocks[""] == [
        ["Report for Testshire"],
        ["November 2026, compared with October 2026"],
        [SUPPRESSION_NOTE],
    ]
    assert blocks["Concerns raised by sex"] == [
        ["", "November 2026", "October 2026", "Change"],
        ["Male", "c", "0", "c"],
        ["Female", "1,234", "12", "+1,222"],
        ["Concerns raised", "c", "12", "c"],
        ["Sex as recorded."],
    ]
    assert blocks["Summary"][1:] == [
        ["Decided within one working day", "12.5%", "z", "z"],
        ["Median time to decision (hours)", "4.5", ":", "z"],
        ["Fewer than before", "7", "12", "-5"],
    ]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("+3", "+3"),
        ("-5", "-5"),
        ("-1,234", "-1,234"),
        ("-2.5%", "-2.5%"),
        ("c", "c"),
        ('=HYPERLINK("http://x.invalid","Click")', '\'=HYPERLINK("http://x.invalid","Click")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("Arrests = charges", "Arrests = charges"),
    ],
)
def test_a_csv_cell_that_would_run_as_a_formula_is_made_text(text: str, written: str) -> None:
    assert csv_safe(text) == written


def test_a_label_like_a_formula_is_written_as_text_in_every_format() -> None:
    label = '=HYPERLINK("http://x.invalid","Click")'
    table = Table(
        "tactic",
        "Disruption activity by tactic",
        [Row("odd", label, Figure("-5", -5), Figure("+3", 3), Figure("c"))],
    )
    report = Report("@Report", "November 2026", "October 2026", SUPPRESSION_NOTE, [table])

    blocks = csv_blocks(tables_csv(report))
    assert blocks[""][0] == ["'@Report"]
    assert blocks["Disruption activity by tactic"][1] == [f"'{label}", "-5", "+3", "c"]

    data = tables_xlsx(report)
    sheet = xlsx_sheets(data)["Disruption activity by tactic"]
    assert sheet[2] == [label, -5, 3, "c"]
    assert "<f>" not in xlsx_parts(data)  # stored as text: no cell is a formula


def test_xlsx_writes_shown_numbers_as_numbers_and_symbols_as_text() -> None:
    sheets = xlsx_sheets(tables_xlsx(REPORT))

    assert list(sheets) == ["Notes", "Summary", "Concerns raised by sex"]
    assert sheets["Notes"][:3] == [
        ["Report for Testshire"],
        ["November 2026, compared with October 2026"],
        [SUPPRESSION_NOTE],
    ]
    assert sheets["Concerns raised by sex"][:5] == [
        ["Concerns raised by sex", None, None, None],
        [None, "November 2026", "October 2026", "Change"],
        ["Male", "c", 0, "c"],
        ["Female", 1234, 12, 1222],
        ["Concerns raised", "c", 12, "c"],
    ]
    assert sheets["Summary"][2:5] == [
        ["Decided within one working day", 0.125, "z", "z"],
        ["Median time to decision (hours)", 4.5, ":", "z"],
        ["Fewer than before", 7, 12, -5],
    ]


def test_xlsx_cells_show_what_the_page_shows() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(tables_xlsx(REPORT)))["Summary"]
    formats = [[cell.number_format for cell in row[1:]] for row in sheet.iter_rows(min_row=3)]
    assert formats == [
        ["0.0%", "General", "General"],
        ["#,##0.0", "General", "General"],
        ["#,##0", "#,##0", "+#,##0;-#,##0;0"],
    ]
    assert sheet["A2"].font.bold and not sheet["A3"].font.bold


def test_xlsx_sheet_names_are_short_unique_and_allowed() -> None:
    long = "Concerns raised by referring agency type: [all] / any?"
    tables = [Table(str(i), long, []) for i in range(3)]
    report = Report("R", "A", "B", SUPPRESSION_NOTE, tables)

    names = list(xlsx_sheets(tables_xlsx(report)))

    assert names == [
        "Notes",
        "Concerns raised by referring ag",
        "Concerns raised by referrin (2)",
        "Concerns raised by referrin (3)",
    ]


def test_pdf_shows_the_title_period_note_and_every_figure() -> None:
    strings = pdf_strings(tables_pdf(REPORT))

    assert strings[:2] == ["Report for Testshire", "November 2026, compared with October 2026"]
    assert "".join(strings).count("Counts from 1 to 5 are shown as c") == 1
    assert pdf_row(strings, "Concerns raised by sex", "Male") == ["Male", "c", "0", "c"]
    assert pdf_row(strings, "Concerns raised by sex", "Female") == [
        "Female",
        "1,234",
        "12",
        "+1,222",
    ]
    assert pdf_row(strings, "Summary", "Decided within one working day")[1:] == [
        "12.5%",
        "z",
        "z",
    ]
    assert "Sex as recorded." in strings


def test_pdf_draws_the_chart_given_for_a_table_and_no_other() -> None:
    with_chart = b"".join(pdf_streams(tables_pdf(REPORT, charts={"sex": CHART})))
    without = b"".join(pdf_streams(tables_pdf(REPORT)))

    assert BAR_FILL in with_chart
    assert BAR_FILL not in without


@pytest.mark.parametrize("href", ["/etc/hostname", "http://example.invalid/bar.png"])
def test_a_chart_cannot_make_the_pdf_read_a_file_or_fetch_a_url(href: str) -> None:
    chart = CHART.replace("</svg>", f'<image href="{href}" width="10" height="10"/></svg>')

    with pytest.raises(FPDFResourceAccessError):
        tables_pdf(REPORT, charts={"sex": chart})


def test_pdf_prints_a_character_its_fonts_lack_as_a_question_mark() -> None:
    table = Table(
        "t",
        "Łódź – “quoted”",
        [Row("k", "Ünïcode ✓", Figure("7", 7), Figure("0", 0), Figure("+7", 7))],
    )
    report = Report("R", "A", "B", SUPPRESSION_NOTE, [table])

    strings = pdf_strings(tables_pdf(report))

    assert "?ód? – “quoted”" in strings
    assert pdf_row(strings, "?ód? – “quoted”", "Ünïcode ?") == [
        "Ünïcode ?",
        "7",
        "0",
        "+7",
    ]


# The dashboard's downloads, from real records.


@pytest.fixture
def reported(db):
    return reported_area()


def _dashboard(reported):
    period = period_containing(PeriodKind.MONTH, timezone.localdate())
    return area_dashboard(user=reported.reader, ons_code=reported.area.ons_code, period=period)


def _sex_rows(fmt: str, data: bytes) -> list[list[Any]]:
    title = "Concerns raised by sex"
    if fmt == "csv":
        rows = csv_blocks(data)[title]
    elif fmt == "xlsx":
        rows = xlsx_sheets(data)[title]
    else:
        strings = pdf_strings(data)
        return [pdf_row(strings, title, label) for label in ("Female", "Male")]
    return [row for row in rows if row[0] in ("Female", "Male")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_suppressed_count_is_c_in_every_format_and_its_number_is_nowhere_in_its_row(
    reported, fmt
) -> None:
    dashboard = _dashboard(reported)

    rows = _sex_rows(fmt, dashboard_download(dashboard, fmt).content)

    # 3 boys: c. The 10 girls would give the boys away from the total of 13: c as well.
    zero = 0 if fmt == "xlsx" else "0"
    assert rows == [["Female", "c", zero, "c"], ["Male", "c", zero, "c"]]
    cells = [str(cell) for row in rows for cell in row]
    assert not any(digit in cell for cell in cells for digit in ("3", "10"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_table_of_the_dashboard_is_in_the_download(reported, fmt) -> None:
    dashboard = _dashboard(reported)
    download = dashboard_download(dashboard, fmt)
    titles = [table.title for table in dashboard.all_tables()]

    if fmt == "csv":
        found = [title for title in csv_blocks(download.content) if title]
    elif fmt == "xlsx":
        found = [
            rows[0][0] for name, rows in xlsx_sheets(download.content).items() if name != "Notes"
        ]
    else:
        strings = pdf_strings(download.content)
        found = [title for title in titles if title in strings]

    assert found == titles
    period = dashboard.period
    assert download.filename == (
        f"report-{reported.area.ons_code}-{period.start}-to-{period.end}.{fmt}"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_no_download_holds_a_young_persons_identity_or_a_reference(reported, fmt) -> None:
    data = dashboard_download(_dashboard(reported), fmt).content
    if fmt == "csv":
        text = data.decode("utf-8-sig")
    elif fmt == "xlsx":
        text = xlsx_parts(data)
    else:
        text = "\n".join(
            [
                *pdf_strings(data),
                data.decode("latin-1"),
                *(s.decode("latin-1") for s in pdf_streams(data)),
            ]
        )

    assert reported.area.name in text  # the scan reads the file's text
    leaked = [value for value in reported.identifiers() if value in text]
    assert leaked == []


def test_an_unknown_format_is_not_found(reported) -> None:
    with pytest.raises(Http404):
        dashboard_download(_dashboard(reported), "docx")


def test_the_pdf_download_draws_the_chart_of_every_table_that_has_one(reported) -> None:
    dashboard = _dashboard(reported)
    charts = dashboard_charts(dashboard)
    report = dashboard_report(dashboard)

    drawn = pdf_streams(dashboard_download(dashboard, "pdf").content)

    assert set(charts) == {table.slug for table in dashboard.all_tables() if table.chart}
    assert "summary" not in charts
    assert drawn == pdf_streams(tables_pdf(report, charts=charts))
    assert drawn != pdf_streams(tables_pdf(report))


def test_a_chart_downloads_as_its_tables_svg(reported) -> None:
    dashboard = _dashboard(reported)
    sex = next(table for table in dashboard.tables if table.slug == "sex")
    period = dashboard.period

    download = chart_download(dashboard, "sex")

    title = f"Concerns raised by sex: {reported.area.name}, {period.label}, beside "
    title += f"{dashboard.previous.label}"
    heading = (sex.title, reported.area.name, f"{period.label}, beside {dashboard.previous.label}")
    labels = {"current": period.label, "previous": dashboard.previous.label}
    assert download.content == chart_svg(sex, heading=heading, **labels).encode()
    svg = download.content.decode()
    # The file says what it shows, where and when, in its title and in words on the drawing.
    assert f'<title id="chart-sex-title">{title}</title>' in svg
    for line in heading:
        assert f">{line}</text>" in svg
    assert download.content_type == "image/svg+xml"
    assert download.filename == (
        f"chart-sex-{reported.area.ons_code}-{period.start}-to-{period.end}.svg"
    )


@pytest.mark.parametrize("slug", ["summary", "no_such_table"])
def test_a_table_without_a_chart_has_no_chart_download(reported, slug) -> None:
    with pytest.raises(Http404):
        chart_download(_dashboard(reported), slug)


def test_no_chart_holds_a_young_persons_identity_or_a_reference(reported) -> None:
    charts = "\n".join(dashboard_charts(_dashboard(reported)).values())

    assert [value for value in reported.identifiers() if value in charts] == []
