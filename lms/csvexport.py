"""CSV downloads that Excel opens correctly and cannot turn into formulas."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable
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


def xlsx_bytes(rows: Iterable[Iterable[Any]], sheet_title: str = "Sheet1") -> bytes:
    """One worksheet; text is neutralised too, since openpyxl stores a leading '=' as a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for row in rows:
        sheet.append([neutralize(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(rows: Iterable[Iterable[Any]], filename: str, sheet_title: str = "Sheet1") -> Response:
    disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(xlsx_bytes(rows, sheet_title), mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": disposition})
