"""Reading spreadsheets people upload: CSV (UTF-8, UTF-8 with BOM, CP932) and XLSX.

Pure Python (no Flask), shared by every import (the roster, the use-case
catalog, vendor usage files). It turns bytes into numbered rows of strings;
what the columns mean is the caller's business. Failures are a
:class:`TabularError` with a stable code the caller maps to its own message:
``unsupported_file_type``, ``empty_file``, ``unknown_encoding``, ``bad_csv``
(with the record number) and ``bad_xlsx``.

* File type comes from the filename extension only: ``.csv`` or ``.xlsx``.
* CSV encodings, tried in this order: UTF-8 with BOM, UTF-8, CP932. Mojibake
  is never returned: bytes that are valid CP932 *and* valid EUC-JP are
  refused (EUC-JP kanji decode as CP932 half-width katakana without error).
  A caller that recognises no header after a CP932 decode should treat the
  file as ``unknown_encoding`` too (see the roster parser).
* CSV is comma-separated; a tab-separated file is accepted when its first
  non-blank line has tabs and no commas. Nothing is sniffed.
* Row numbers are what a person sees: the sheet's row for XLSX, the record
  number for CSV. Blank rows are skipped but counted. At most ``max_rows`` + 2
  rows are returned, so a caller can tell "too many" without reading them all.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import string
import unicodedata


# Only the first columns of a sheet are read: a forged <dimension> can claim
# 16384 columns and openpyxl would pad every row to that width.
MAX_COLUMNS = 100

# ASCII whitespace plus the ideographic space that Japanese IMEs insert.
WHITESPACE = string.whitespace + "\u3000"

Row = tuple[int, list[str]]


class TabularError(Exception):
    def __init__(self, code: str, row_number: int | None = None) -> None:
        super().__init__(code if row_number is None else f"{code} (row {row_number})")
        self.code = code
        self.row_number = row_number


def strip(text: str) -> str:
    return text.strip(WHITESPACE)


def is_blank(cells: list[str]) -> bool:
    return all(not strip(cell) for cell in cells)


def header_key(text: str) -> str:
    """A header cell as a lookup key: NFKC (full-width letters, （）), no BOM, spaces squashed, case folded."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return " ".join(text.split()).casefold()


def file_kind(filename: str) -> str | None:
    """"csv" or "xlsx" from the file name's extension (case-insensitive), else None."""
    _, dot, extension = strip(filename).rpartition(".")
    if not dot:
        return None
    extension = extension.lower()
    return extension if extension in ("csv", "xlsx") else None


def read_table(data: bytes, filename: str, max_rows: int) -> tuple[list[Row], str]:
    """Numbered non-blank rows of an uploaded CSV or XLSX file, and its encoding ("xlsx" for XLSX)."""
    kind = file_kind(filename)
    if kind is None:
        raise TabularError("unsupported_file_type")
    if not data:
        raise TabularError("empty_file")
    if kind == "csv":
        return read_csv(data, max_rows)
    return read_xlsx(data, max_rows), "xlsx"


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            raise TabularError("unknown_encoding") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        raise TabularError("unknown_encoding") from None
    try:
        data.decode("euc_jp")
    except UnicodeDecodeError:
        # Real CP932 Japanese text nearly always has lead bytes 0x81-0x9F
        # (hiragana, katakana, level-1 kanji), which EUC-JP cannot decode.
        return text, "cp932"
    raise TabularError("unknown_encoding")


def first_line(text: str) -> str:
    for line in io.StringIO(text, newline=""):
        if strip(line):
            return line
    return ""


def read_csv(data: bytes, max_rows: int) -> tuple[list[Row], str]:
    text, encoding = decode(data)
    header_line = first_line(text)
    delimiter = "\t" if "\t" in header_line and "," not in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    row_number = 0
    try:
        for row_number, cells in enumerate(reader, start=1):
            if is_blank(cells):
                continue
            rows.append((row_number, cells))
            # Header + max_rows + one more is enough to know it is too many.
            if len(rows) > max_rows + 1:
                break
    except csv.Error:
        # e.g. a field larger than csv.field_size_limit().
        raise TabularError("bad_csv", row_number=row_number + 1) from None
    return rows, encoding


def xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float; 123.0 was typed as 123.
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, max_rows: int, max_columns: int = MAX_COLUMNS) -> list[Row]:
    # openpyxl raises a zoo of exception types (BadZipFile, KeyError,
    # ValueError, XML parse errors...) for damaged files, hence the broad
    # catches; only openpyxl calls are inside them.
    import openpyxl  # imported on use: among the slowest imports of every command's and worker's start

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise TabularError("bad_xlsx") from None
    rows: list[Row] = []
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(max_col=max_columns, values_only=True)
        # read-only mode fills gaps, so counting from 1 gives sheet row numbers.
        for row_number, row in enumerate(values, start=1):
            # Fast path for gap rows: a few-KB file can declare a dimension of
            # a million rows, and converting each padded cell took seconds.
            if row.count(None) == len(row):
                continue
            cells = [xlsx_text(value) for value in row]
            if is_blank(cells):
                continue
            rows.append((row_number, cells))
            if len(rows) > max_rows + 1:
                break
    except Exception:
        raise TabularError("bad_xlsx") from None
    finally:
        workbook.close()
    return rows
