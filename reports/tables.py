"""Uploaded tables (CSV, XLSX) read as a stream, row by row, within caps.

An import never holds more of a file than it must and never works longer than its caps allow:
the CSV reader reads a text stream a line at a time, each line and cell capped; the XLSX reader
checks what the workbook's members unpack to before parsing any of them, then reads its first
sheet in openpyxl's read-only (streaming) mode. Both stop as soon as the row cap is passed.
Whatever a file holds, reading it either yields rows or raises TableError with a message for
the person who uploaded it: never another exception.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook

from audit.chain import clean_text

MB = 1024 * 1024
# More columns than any import has, so a file with a few extra is still reported column by
# column, while a row padded out to thousands of cells is refused.
MAX_COLUMNS = 100


@dataclass(frozen=True)
class Caps:
    """What one kind of import accepts: data rows under the header, characters in a cell,
    and bytes that an XLSX workbook's members unpack to. The last is checked before anything
    is parsed, because a small XLSX file can unpack to gigabytes (a "zip bomb"), and because
    openpyxl reads a whole sheet once, when it opens it, to find its size."""

    rows: int
    cell: int
    unpacked: int = 16 * MB

    def limits(self, *, file_bytes: int, xlsx: bool) -> str:
        """The caps in words, for the import pages and the API's documentation."""
        limits = [
            f"a file of at most {file_bytes // MB} MB",
            f"at most {self.rows:,} rows under the header",
            f"at most {self.cell:,} characters in a cell",
        ]
        if xlsx:
            limits.append(f"an XLSX workbook that unpacks to at most {self.unpacked // MB} MB")
        return "Limits: " + "; ".join(limits) + "."

    @property
    def line(self) -> int:
        """The longest CSV line: every column at its longest, quoted, with separators."""
        return MAX_COLUMNS * (self.cell + 3)


class TableError(ValueError):
    """A file that cannot be read as a table within its caps; `row` is where reading stopped
    (the header is row 1), 1 when the file as a whole is at fault."""

    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class Problem:
    """A bad cell of an imported file: `row` is the line of the file (the header is row 1),
    `column` its name ("" when the whole row or file is at fault)."""

    row: int
    column: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _checked(number: int, cells: list[str], caps: Caps) -> list[str]:
    if number > caps.rows + 1:
        raise TableError(
            f"The file has more than {caps.rows:,} rows under its header: split it into "
            "smaller files",
            number,
        )
    if len(cells) > MAX_COLUMNS:
        raise TableError(f"Row {number} has more than {MAX_COLUMNS} columns", number)
    for cell in cells:
        if len(cell) > caps.cell:
            raise TableError(
                f"A cell in row {number} is longer than {caps.cell:,} characters: no cell "
                "of this file needs so many",
                number,
            )
    # A NUL, which no text the service keeps or shows may hold, read as any other bad byte.
    return [clean_text(cell) for cell in cells]


def _lines(text: IO[str], longest: int) -> Iterator[str]:
    """The stream's lines, refusing one longer than `longest` before reading more of it."""
    number = 0
    while line := text.readline(longest + 1):
        number += 1
        if len(line) > longest:
            raise TableError(
                f"Line {number} of the file is longer than {longest:,} characters", number
            )
        yield line


def csv_rows(file: IO[bytes], caps: Caps) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV file in UTF-8 (a byte-order mark allowed) with its number (the
    header is row 1), cells as written. TableError when it cannot be read."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    reader = csv.reader(_lines(text, caps.line))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, _checked(number, cells, caps)
    except UnicodeDecodeError:
        raise TableError("The file is not UTF-8 text: save it as CSV UTF-8") from None
    except csv.Error:
        # A quoted cell never closed, or longer than the csv module reads (131,072 characters).
        raise TableError(
            f"Row {number + 1} cannot be read as CSV: check its quotation marks", number + 1
        ) from None
    finally:
        text.detach()  # the upload stays open for its owner to close


def _check_unpacked(file: IO[bytes], caps: Caps) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            # zipfile never unpacks a member beyond the size it declares, so the declared sizes
            # bound the work of parsing.
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TableError("The file is not an XLSX workbook that can be read") from None
    if unpacked > caps.unpacked:
        raise TableError(
            f"The workbook unpacks to more than {caps.unpacked // MB} MB: "
            "save its first sheet as CSV UTF-8 instead"
        )


def xlsx_rows(file: IO[bytes], caps: Caps) -> Iterator[tuple[int, list[str]]]:
    """Each row of an XLSX workbook's first sheet with its number (the header is row 1),
    every cell as text. TableError when it cannot be read."""
    file.seek(0)
    _check_unpacked(file, caps)
    file.seek(0)
    number = 0
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The sheet's declared size is ignored, as it may lie either way: each row is as
            # wide as its last cell, and beyond MAX_COLUMNS is only looked at (in C) for a value.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            for number, values in enumerate(rows, start=1):
                beyond = values[MAX_COLUMNS:]
                if beyond.count(None) < len(beyond):
                    raise TableError(f"Row {number} has more than {MAX_COLUMNS} columns", number)
                cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
                while cells and not cells[-1]:
                    cells.pop()
                yield number, _checked(number, cells, caps)
        finally:
            workbook.close()  # a read-only workbook keeps its file open until closed
    except TableError:
        raise
    except Exception:  # a hostile or truncated workbook fails in many ways
        # (BadZipFile, ParseError, KeyError, zlib.error, ValueError...), all meaning the same.
        raise TableError(
            "The file is not an XLSX workbook that can be read: it may be damaged or cut short",
            number + 1,
        ) from None


def check_size(file: IO[bytes], limit: int) -> None:
    """TableError for a file over `limit` bytes (however it was sent)."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    if size > limit:
        raise TableError(f"The file is larger than {limit // MB} MB: split it")


READERS = {".csv": csv_rows, ".xlsx": xlsx_rows}
