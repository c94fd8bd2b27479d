"""CSV and XLSX downloads that Excel opens correctly and cannot turn into formulas."""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from flask import Response

# OWASP: cells starting with these are formulas in Excel and LibreOffice.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate with an apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with BOM (so Excel reads Japanese), CRLF line ends, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(rows: Iterable[Iterable[Any]], filename: str) -> Response:
    disposition = f"attachment; filename=\"export.csv\"; filename*=UTF-8''{quote(filename)}"
    return Response(csv_bytes(rows), mimetype="text/csv", headers={"Content-Disposition": disposition})


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, then rows of real values (numbers, dates, text; None is empty).

    `formats[i]` is the Excel number format of column i (e.g. '0.0%', '"¥"#,##0'), or None;
    a cell given as (value, format) carries its own.
    """

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    formats: Sequence[str | None] = ()
    print_title: str = ""  # the page header when printed: company and period
    preamble: Sequence[tuple[str, Any]] = ()  # (label, value) rows above the table, then a blank row


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
MAX_WIDTH = 60


def workbook_bytes(sheets: Iterable[Sheet], title: str = "") -> bytes:
    """One workbook, a sheet per table: bold, frozen header row; widths that fit; real numbers and dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the blank sheet a new workbook starts with
    workbook.properties.title = title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.title.translate(SHEET_NAME_FORBIDDEN)[:31])
        for label, value in spec.preamble:
            sheet.append([neutralize(label), neutralize(value)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
        if spec.preamble:
            sheet.append([])
        header_row = len(spec.preamble) + 2 if spec.preamble else 1
        sheet.append([neutralize(h) for h in spec.header])
        widths = [display_width(str(h)) for h in spec.header]
        if spec.preamble and widths:
            widths[0] = max(widths[0], *(display_width(str(label)) for label, _value in spec.preamble))
        for cell in sheet[header_row]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center", wrap_text=False)
        for values in spec.rows:
            row = []
            formats = []
            for i, value in enumerate(values):
                number_format = spec.formats[i] if i < len(spec.formats) else None
                if isinstance(value, tuple):
                    value, number_format = value
                row.append(neutralize(value))
                formats.append(number_format)
                shown = _shown_width(value, number_format)
                if i < len(widths):
                    widths[i] = max(widths[i], shown)
                else:
                    widths.append(shown)
            sheet.append(row)
            for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
                if number_format:
                    cell.number_format = number_format
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy/mm/dd"
        sheet.freeze_panes = f"A{header_row + 1}"
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(width + 2, MAX_WIDTH)
        if spec.print_title:
            sheet.oddHeader.center.text = spec.print_title.replace("&", "&&")
        sheet.print_title_rows = f"{header_row}:{header_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shown_width(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, (int, float)):
        text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        return len(text) + (2 if number_format and ("%" in number_format or "¥" in number_format) else 0)
    return display_width(str(value))


def workbook_response(sheets: Iterable[Sheet], filename: str, title: str = "") -> Response:
    disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(workbook_bytes(sheets, title), mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": disposition})
