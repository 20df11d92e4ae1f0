"""Downloads of report tables as CSV, XLSX and PDF, showing exactly what the page shows.

Every cell comes from a published Figure's text (or, in a spreadsheet, the number that text
shows), so an export carries the same disclosure control as the page: a `c` stays `c` and a
suppressed count, which keeps no value, cannot reach a file. Nothing here counts anything.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula. Figures are
safe as they are ("+3", "-5" and "-2.5%" are numbers to a spreadsheet), so they are written
unchanged; any other CSV cell that starts like a formula (a label, a title) gets a leading
apostrophe, which spreadsheets read as "this is text". In XLSX every text cell is stored as
text, which is never evaluated, so the text stays exactly as shown.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .charts import chart_svg
from .disclosure import SUPPRESSION_NOTE, Figure
from .selectors import Dashboard, Row, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
SVG_TYPE = "image/svg+xml"

# A figure's text as reports.disclosure writes it: a count, a change, a percentage or a
# measure to one decimal place.
_FIGURE = re.compile(r"[+-]?\d{1,3}(,\d{3})*(\.\d)?%?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_SHEET_NAME = 31
_XLSX_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\']")


@dataclass(frozen=True)
class Report:
    """What every export of a set of tables states: its title, the period it covers and the
    one it is compared with, and how suppressed figures are shown."""

    title: str
    current: str
    previous: str
    note: str
    tables: Sequence[Table]

    @property
    def period(self) -> str:
        return f"{self.current}, compared with {self.previous}"

    def header(self) -> list[str]:
        return ["", self.current, self.previous, "Change"]


def _rows(table: Table) -> Iterator[Row]:
    yield from table.rows
    if table.total is not None:
        yield table.total


def _figures(row: Row) -> list[Figure]:
    return [row.current, row.previous, row.change]


def csv_safe(text: str) -> str:
    """The text as a spreadsheet opening the CSV will show and never run."""
    if text.startswith(_FORMULA_START) and not _FIGURE.fullmatch(text):
        return f"'{text}"
    return text


def tables_csv(report: Report) -> bytes:
    """One block per table: its title, a header row, its rows and total, its note. UTF-8 with
    a byte order mark so that Excel reads the encoding right."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(*cells: str) -> None:
        writer.writerow([csv_safe(cell) for cell in cells])

    line(report.title)
    line(report.period)
    line(report.note)
    for table in report.tables:
        writer.writerow([])
        line(table.title)
        line(*report.header())
        for row in _rows(table):
            line(row.label, *(figure.text for figure in _figures(row)))
        if table.note:
            line(table.note)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_number(figure: Figure) -> tuple[float, str] | None:
    """The number a figure shows and the format that shows it as the page does; None for
    c, z and :, which stay text."""
    if figure.value is None:
        return None
    if figure.text.endswith("%"):
        return figure.value / 100, "0.0%"
    if isinstance(figure.value, float):
        return figure.value, "#,##0.0"
    if figure.text.startswith(("+", "-")):
        return figure.value, "+#,##0;-#,##0;0"
    return figure.value, "#,##0"


def _xlsx_text(sheet: Worksheet, row: int, column: int, text: str, *, bold: bool = False) -> None:
    cell = sheet.cell(row=row, column=column, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)


def _xlsx_figure(sheet: Worksheet, row: int, column: int, figure: Figure, *, bold: bool) -> None:
    number = _xlsx_number(figure)
    if number is None:
        _xlsx_text(sheet, row, column, figure.text, bold=bold)
    else:
        cell = sheet.cell(row=row, column=column, value=number[0])
        cell.number_format = number[1]
        cell.font = Font(bold=bold)
    sheet.cell(row=row, column=column).alignment = Alignment(horizontal="right")


def _sheet_name(title: str, taken: set[str]) -> str:
    base = _XLSX_NOT_IN_SHEET_NAME.sub("", title)[:_XLSX_SHEET_NAME].strip()
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: _XLSX_SHEET_NAME - len(suffix)].strip() + suffix
    taken.add(name.lower())
    return name


def _xlsx_notes(sheet: Worksheet, report: Report) -> None:
    _xlsx_text(sheet, 1, 1, report.title, bold=True)
    _xlsx_text(sheet, 2, 1, report.period)
    _xlsx_text(sheet, 3, 1, report.note)
    _xlsx_text(sheet, 5, 1, "Tables", bold=True)
    for i, table in enumerate(report.tables, start=6):
        _xlsx_text(sheet, i, 1, table.title)
    sheet.column_dimensions["A"].width = 100


def _xlsx_table(sheet: Worksheet, report: Report, table: Table) -> None:
    _xlsx_text(sheet, 1, 1, table.title, bold=True)
    for column, heading in enumerate(report.header(), start=1):
        _xlsx_text(sheet, 2, column, heading, bold=True)
    sheet.freeze_panes = "B3"
    at = 3
    for row in _rows(table):
        bold = row is table.total
        _xlsx_text(sheet, at, 1, row.label, bold=bold)
        for column, figure in enumerate(_figures(row), start=2):
            _xlsx_figure(sheet, at, column, figure, bold=bold)
        at += 1
    if table.note:
        _xlsx_text(sheet, at + 1, 1, table.note)
    labels = [len(row.label) for row in _rows(table)]
    sheet.column_dimensions["A"].width = min(max([30, *labels]) + 2, 60)
    for column, heading in enumerate(report.header()[1:], start=2):
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(heading) + 2)


def tables_xlsx(report: Report) -> bytes:
    """A notes sheet (title, period, the suppression rule, the tables), then a sheet a table."""
    workbook = Workbook()
    notes = workbook.worksheets[0]
    notes.title = "Notes"
    _xlsx_notes(notes, report)
    taken = {"notes"}
    for table in report.tables:
        _xlsx_table(workbook.create_sheet(_sheet_name(table.title, taken)), report, table)
    workbook.properties.creator = "Safeguard Hub"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The PDF's built-in fonts know Windows-1252 (enough for English, en dashes and curly quotes);
# anything beyond it prints as "?" rather than failing the download.
_PDF_ENCODING = "windows-1252"
_PDF_COLUMNS = (52, 16, 16, 16)  # per cent of the page width: label, current, previous, change


def _pdf_text(text: str) -> str:
    return text.encode(_PDF_ENCODING, "replace").decode(_PDF_ENCODING)


def _pdf_table(pdf: FPDF, report: Report, table: Table) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 7, _pdf_text(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(
        col_widths=_PDF_COLUMNS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        headings_style=FontFace(emphasis="BOLD"),
    ) as pdf_table:
        pdf_table.row([_pdf_text(heading) for heading in report.header()])
        for row in _rows(table):
            style = FontFace(emphasis="BOLD") if row is table.total else None
            pdf_table.row(
                [_pdf_text(row.label), *(figure.text for figure in _figures(row))], style=style
            )
    if table.note:
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(0, 5, _pdf_text(table.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def tables_pdf(report: Report, *, charts: Mapping[str, str] | None = None) -> bytes:
    """A4: the title, period and suppression rule, then each table under its chart (an SVG
    from `charts`, by table slug, where one is given)."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _PDF_ENCODING
    # A chart is drawn from its own markup only: it may not make the PDF fetch anything.
    pdf.resource_access_policy = ResourceAccessPolicy.NONE
    pdf.set_title(_pdf_text(report.title))
    pdf.set_creator("Safeguard Hub")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _pdf_text(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, _pdf_text(report.period), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _pdf_text(report.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for table in report.tables:
        svg = (charts or {}).get(table.slug)
        if svg:
            pdf.image(
                io.BytesIO(svg.strip().encode()),
                w=pdf.epw * 0.8,
                alt_text=_pdf_text(f"Chart: {table.title}"),
            )
            pdf.ln(2)
        _pdf_table(pdf, report, table)
    return bytes(pdf.output())


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


FORMATS = {
    "csv": (tables_csv, CSV_TYPE),
    "xlsx": (tables_xlsx, XLSX_TYPE),
    "pdf": (tables_pdf, PDF_TYPE),
}


def export_format(fmt: str) -> str:
    """`fmt` if it is one a report can be downloaded as; Http404 if not."""
    if fmt not in FORMATS:
        raise Http404("Reports can be downloaded as CSV, XLSX or PDF")
    return fmt


def dashboard_report(dashboard: Dashboard) -> Report:
    area = dashboard.area
    return Report(
        title=f"Exploitation report for {area.name} ({area.ons_code})",
        current=dashboard.period.label,
        previous=dashboard.previous.label,
        note=SUPPRESSION_NOTE,
        tables=dashboard.all_tables(),
    )


def dashboard_charts(dashboard: Dashboard) -> dict[str, str]:
    """Each charted table's chart, by the table's slug."""
    return {table.slug: chart_svg(table) for table in dashboard.all_tables() if table.chart}


def _stem(dashboard: Dashboard) -> str:
    period = dashboard.period
    return f"{dashboard.area.ons_code}-{period.start}-to-{period.end}"


def dashboard_download(dashboard: Dashboard, fmt: str) -> Download:
    """Every table of the dashboard as one file in the format (csv, xlsx or pdf); the PDF
    draws each table's chart above it."""
    write, content_type = FORMATS[export_format(fmt)]
    report = dashboard_report(dashboard)
    if fmt == "pdf":
        content = tables_pdf(report, charts=dashboard_charts(dashboard))
    else:
        content = write(report)
    return Download(content, content_type, f"report-{_stem(dashboard)}.{fmt}")


def chart_download(dashboard: Dashboard, slug: str) -> Download:
    """One table's chart as an SVG file; Http404 for a table that has none."""
    table = next((t for t in dashboard.all_tables() if t.slug == slug and t.chart), None)
    if table is None:
        raise Http404("No such chart on this dashboard")
    period, previous = dashboard.period, dashboard.previous
    svg = chart_svg(
        table,
        current=period.label,
        previous=previous.label,
        heading=(table.title, dashboard.area.name, f"{period.label}, beside {previous.label}"),
    ).encode()
    return Download(svg, SVG_TYPE, f"chart-{slug}-{_stem(dashboard)}.svg")
