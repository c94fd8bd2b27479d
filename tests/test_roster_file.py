"""Tests for lms.members.roster_file (pure Python, no Flask app needed).

Real-world inputs come from /work/shared/testdata (see its SOURCES.md): the
CPython CJK codec samples, the WHATWG JIS X 0208 index, csv-spectrum and the
Big List of Naughty Strings.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.tabular import WHITESPACE
from lms.members.roster_file import (
    MAX_PROBLEMS,
    MAX_ROWS,
    PROBLEM_CODES,
    ROLE_EMPLOYEE,
    ROLE_EXECUTIVE,
    ROLE_ORG_ADMIN,
    ParsedRoster,
    RosterFileError,
    RosterProblem,
    RosterRow,
    parse_roster,
)

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
CJK = TESTDATA / "japanese" / "cpython-cjkencodings"
JIS0208_INDEX = TESTDATA / "japanese" / "whatwg-encoding" / "index-jis0208.txt"
CSV_SPECTRUM = TESTDATA / "csv" / "csv-spectrum" / "csvs"
BLNS = TESTDATA / "naughty-strings" / "blns.txt"


@pytest.fixture(scope="session", autouse=True)
def _require_testdata() -> None:
    # Skipping would hide that the real-world inputs were never exercised.
    if not TESTDATA.is_dir():
        pytest.fail(
            f"shared test data folder not found: {TESTDATA} "
            "(expected /work/shared/testdata next to the repo; see its SOURCES.md)",
            pytrace=False,
        )


# ---------------------------------------------------------------- helpers


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], start_row: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=start_row + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def problems_of(data: bytes, filename: str = "roster.csv") -> list[RosterProblem]:
    with pytest.raises(RosterFileError) as caught:
        parse_roster(data, filename)
    assert caught.value.problems, "RosterFileError must carry at least one problem"
    return caught.value.problems


def codes_of(data: bytes, filename: str = "roster.csv") -> list[str]:
    return [problem.code for problem in problems_of(data, filename)]


def jis0208_chars(low: int, high: int) -> list[str]:
    chars = []
    for line in JIS0208_INDEX.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pointer, code_point = line.split("\t")[:2]
        if low <= int(pointer) <= high:
            chars.append(chr(int(code_point, 16)))
    return chars


HEADER = ["氏名", "メール"]


# ------------------------------------------------------- real Japanese data


def test_shift_jis_sample_lines_round_trip_as_names_and_departments() -> None:
    sjis_lines = (CJK / "shift_jis.txt").read_bytes().decode("shift_jis").split("\n")
    utf8_lines = (CJK / "shift_jis-utf8.txt").read_text(encoding="utf-8").split("\n")
    assert sjis_lines == utf8_lines  # the two twins agree before we rely on them

    # Lines are joined with plain "," like a hand-made legacy export, so lines
    # with an ASCII comma would need quoting (tested separately) and lines
    # cp932 cannot encode could not be in a cp932 file at all.
    def usable(line: str) -> bool:
        try:
            line.encode("cp932")
        except UnicodeEncodeError:
            return False
        return bool(line.strip()) and "," not in line and len(line) <= 100

    lines = [line for line in utf8_lines if usable(line)]
    assert len(lines) >= 5
    text = "氏名,メール,部署\r\n" + "".join(
        f"{line},user{i}@example.jp,{line}\r\n" for i, line in enumerate(lines)
    )
    roster = parse_roster(text.encode("cp932"), "社員名簿.csv")

    assert roster.encoding == "cp932"
    assert [row.name for row in roster.rows] == [line.strip(WHITESPACE) for line in lines]
    assert [row.department for row in roster.rows] == [row.name for row in roster.rows]


def test_nec_and_ibm_special_characters_survive_unchanged() -> None:
    # Pointers 1128-1221 are JIS row 13 (NEC specials: ①, Ⅰ, ㈱, ㍻ ...);
    # 8272 and up are the NEC-selected and IBM extensions (髙, 﨑, 塚 U+FA10).
    nec_row13 = "".join(jis0208_chars(1128, 1221))
    ibm = "".join(jis0208_chars(8272, 11103))
    assert "①" in nec_row13 and "㈱" in nec_row13 and "髙" in ibm and "\ufa10" in ibm
    departments = ["㈱本社①"] + [nec_row13[i : i + 40] for i in range(0, len(nec_row13), 40)]
    names = ["髙橋 一郎", "山﨑 花子", "\ufa10本 次郎"] + [ibm[i : i + 50] for i in range(0, 200, 50)]
    rows = [
        [names[i % len(names)], f"user{i}@example.jp", department]
        for i, department in enumerate(departments + departments)
    ]
    data = csv_bytes([["氏名", "メール", "部署"], *rows], encoding="cp932")

    roster = parse_roster(data, "roster.csv")

    assert roster.encoding == "cp932"
    assert [(r.name, r.department) for r in roster.rows] == [(r[0], r[2]) for r in rows]
    # Guard that the test is meaningful: NFKC would have changed these.
    assert unicodedata.normalize("NFKC", "㈱本社①") == "(株)本社1"
    assert roster.rows[0].department == "㈱本社①"


def test_euc_jp_sample_is_unknown_encoding() -> None:
    lines = [line for line in (CJK / "euc_jp.txt").read_bytes().split(b"\n") if line.strip()]
    data = "氏名,メール\n".encode("euc_jp") + b"".join(
        line + f",user{i}@example.jp\n".encode() for i, line in enumerate(lines)
    )

    assert problems_of(data) == [RosterProblem("unknown_encoding")]


def test_euc_jp_that_happens_to_decode_as_cp932_is_unknown_encoding() -> None:
    data = "氏名,email\n山田太郎,taro@example.jp\n塚本,t@example.jp\n".encode("euc_jp")
    data.decode("cp932")  # precondition: no decode error, only mojibake

    assert codes_of(data) == ["unknown_encoding"]


def test_euc_jp_with_ascii_headers_is_not_returned_as_mojibake() -> None:
    data = "name,email\n山田太郎,taro@example.jp\n".encode("euc_jp")
    assert data.decode("cp932") == "name,email\nｻｳﾅﾄﾂﾀﾏｺ,taro@example.jp\n"

    assert codes_of(data) == ["unknown_encoding"]


def test_cp932_with_ascii_headers_and_japanese_names_is_accepted() -> None:
    data = "name,email\n山田太郎,taro@example.jp\n".encode("cp932")

    assert [row.name for row in parse_roster(data, "r.csv").rows] == ["山田太郎"]


def test_cp932_with_japanese_header_but_missing_email_is_missing_column() -> None:
    # A recognised Japanese header proves cp932 was right, so the real
    # problem (a missing column) is reported, not an encoding error.
    data = "氏名,部署\n山田太郎,総務部\n".encode("cp932")

    assert problems_of(data) == [RosterProblem("missing_column", 1, "メール")]


# ------------------------------------------------------------ csv-spectrum


def test_csv_spectrum_comma_in_quotes_is_not_a_roster() -> None:
    problems = problems_of((CSV_SPECTRUM / "comma_in_quotes.csv").read_bytes())

    assert {(p.code, p.column) for p in problems} == {
        ("missing_column", "氏名"),
        ("missing_column", "メール"),
    }


# Collected at import time; an empty list still fails via _require_testdata.
SPECTRUM_FILES = sorted(p.name for p in CSV_SPECTRUM.glob("*.csv")) if CSV_SPECTRUM.is_dir() else []


@pytest.mark.parametrize("name", SPECTRUM_FILES)
def test_csv_spectrum_files_only_raise_roster_file_error(name: str) -> None:
    codes = codes_of((CSV_SPECTRUM / name).read_bytes())

    assert set(codes) <= {"missing_column", "empty_file"}


def test_quoted_commas_newlines_and_escaped_quotes_parse_in_a_roster() -> None:
    # Field shapes from csv-spectrum (comma_in_quotes, escaped_quotes,
    # newlines_crlf). A newline inside quotes keeps one record = one row
    # number; it is legal only in the roles cell, where it separates roles.
    data = (
        '氏名,メール,部署,役割\r\n'
        '"Doe, John",john@example.com,"Anytown, WW",\r\n'
        '"ha ""ha"" ha",ha@example.com,,"社員\r\n人事"\r\n'
        'Plain,plain@example.com,"",\r\n'
    ).encode()

    rows = parse_roster(data, "r.csv").rows

    assert rows == [
        RosterRow(2, "Doe, John", "john@example.com", "Anytown, WW", frozenset({ROLE_EMPLOYEE})),
        RosterRow(3, 'ha "ha" ha', "ha@example.com", None, frozenset({ROLE_EMPLOYEE, ROLE_ORG_ADMIN})),
        RosterRow(4, "Plain", "plain@example.com", None, frozenset({ROLE_EMPLOYEE})),
    ]


def test_newline_inside_quoted_department_is_invalid_value_on_its_record() -> None:
    data = (
        '氏名,メール,部署\r\n'
        'A,a@example.com,"Once upon \r\na time"\r\n'
        'B,b@example.com,総務\r\n'
        'C,b@example.com,\r\n'
    ).encode()

    assert problems_of(data) == [
        RosterProblem("invalid_value", 2, "部署", "Once upon \ufffd\ufffda time"),
        RosterProblem("duplicate_email", 4, "メール", "b@example.com"),
    ]


# --------------------------------------------------------- naughty strings


def test_naughty_strings_as_names_round_trip_or_get_a_specific_problem() -> None:
    lines = [
        line
        for line in BLNS.read_text(encoding="utf-8").split("\n")
        if line and not line.startswith("#")
    ]
    assert len(lines) > 400
    mismatches = []
    for line in lines:
        expected = line.strip(WHITESPACE)
        data = csv_bytes([HEADER, [line, "user@example.jp"]])
        try:
            rows = parse_roster(data, "r.csv").rows
        except RosterFileError as error:
            problems = error.problems
            ok = len(problems) == 1 and (problems[0].row_number, problems[0].column) == (2, "氏名")
            code = problems[0].code
            ok = ok and (
                (code == "too_long" and len(expected) > 100)
                or (code == "missing_value" and expected == "")
                or (code == "invalid_value" and any(unicodedata.category(c)[0] in "CZ" for c in expected))
            )
            if not ok:
                mismatches.append((line, problems))
        else:
            if [row.name for row in rows] != [expected]:
                mismatches.append((line, rows))
    assert mismatches == []


# ------------------------------------------------------------ happy paths


def test_utf8_with_bom() -> None:
    roster = parse_roster(b"\xef\xbb\xbf" + "氏名,メール\n山田,y@example.jp\n".encode(), "r.csv")

    assert roster.encoding == "utf-8-sig"
    assert roster.rows == [RosterRow(2, "山田", "y@example.jp", None, frozenset({ROLE_EMPLOYEE}))]


def test_utf8_without_bom() -> None:
    roster = parse_roster("氏名,メール\n山田,y@example.jp\n".encode(), "r.csv")

    assert roster.encoding == "utf-8"
    assert roster.rows[0].name == "山田"


def test_crlf_line_endings() -> None:
    roster = parse_roster("氏名,メール\r\n山田,y@example.jp\r\n鈴木,s@example.jp\r\n".encode(), "r.csv")

    assert [(r.row_number, r.name, r.email) for r in roster.rows] == [
        (2, "山田", "y@example.jp"),
        (3, "鈴木", "s@example.jp"),
    ]


def test_blank_rows_are_skipped_but_counted() -> None:
    data = "\n氏名,メール\n\n,,\n山田,y@example.jp\n　 ,\t\n".encode()

    roster = parse_roster(data, "r.csv")

    assert [(r.row_number, r.name) for r in roster.rows] == [(5, "山田")]


def test_full_width_email_is_normalised_to_ascii() -> None:
    roster = parse_roster("氏名,メール\n太郎,　ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ　\n".encode(), "r.csv")

    assert roster.rows[0].email == "taro@example.jp"


def test_email_is_lower_cased() -> None:
    roster = parse_roster("氏名,メール\n太郎,Taro.Yamada@Example.JP\n".encode(), "r.csv")

    assert roster.rows[0].email == "taro.yamada@example.jp"


def test_names_are_stripped_of_ascii_and_ideographic_spaces_only() -> None:
    roster = parse_roster("氏名,メール\n　山田　太郎 \t,y@example.jp\n".encode(), "r.csv")

    assert roster.rows[0].name == "山田　太郎"


def test_tab_separated_file_is_accepted() -> None:
    roster = parse_roster("氏名\tメール\t部署\n山田, 太郎\ty@example.jp\t営業部\n".encode(), "r.csv")

    assert [(r.name, r.department) for r in roster.rows] == [("山田, 太郎", "営業部")]


def test_header_aliases_are_matched_after_nfkc_and_case_folding() -> None:
    data = "Ｆｕｌｌ  Name,E-Mail,所属,ロール,社員番号\n山田,y@example.jp,営業部,役員,123\n".encode()

    roster = parse_roster(data, "r.csv")

    assert roster.rows == [RosterRow(2, "山田", "y@example.jp", "営業部", frozenset({ROLE_EXECUTIVE}))]


def test_header_alias_with_full_width_parentheses() -> None:
    roster = parse_roster("氏名（漢字）,メールアドレス\n山田,y@example.jp\n".encode(), "r.csv")

    assert roster.rows[0].name == "山田"


def test_roles_are_split_and_mapped() -> None:
    data = (
        "氏名,メール,役割\n"
        "A,a@example.jp,経営者、人事\n"
        "B,b@example.jp,ＡＤＭＩＮ／Employee\n"
        "C,c@example.jp,社長・社員 受講者\n"
        "D,d@example.jp,\n"
    ).encode()

    roles = [row.roles for row in parse_roster(data, "r.csv").rows]

    assert roles == [
        frozenset({ROLE_EXECUTIVE, ROLE_ORG_ADMIN}),
        frozenset({ROLE_ORG_ADMIN, ROLE_EMPLOYEE}),
        frozenset({ROLE_EXECUTIVE, ROLE_EMPLOYEE}),
        frozenset({ROLE_EMPLOYEE}),
    ]


def test_uppercase_extension_is_accepted() -> None:
    assert parse_roster("氏名,メール\n山田,y@example.jp\n".encode(), "ROSTER.CSV").rows


def test_xlsx_happy_path_uses_sheet_row_numbers() -> None:
    data = xlsx_bytes(
        [
            ["氏名", "メール", "部署", "役割", "社員番号"],
            ["山田 太郎", "Yamada@Example.jp", "㈱本社①", "経営者", 1001],
            [None, None],
            ["鈴木 花子", "suzuki@example.jp", None, None, 1002.0],
        ],
        start_row=3,
    )

    roster = parse_roster(data, "名簿.XLSX")

    assert roster == ParsedRoster(
        rows=[
            RosterRow(4, "山田 太郎", "yamada@example.jp", "㈱本社①", frozenset({ROLE_EXECUTIVE})),
            RosterRow(6, "鈴木 花子", "suzuki@example.jp", None, frozenset({ROLE_EMPLOYEE})),
        ],
        encoding="xlsx",
    )


def test_xlsx_title_row_above_the_header_is_taken_as_the_header() -> None:
    data = xlsx_bytes([["社員名簿"], HEADER, ["山田", "y@example.jp"]])

    assert [(p.code, p.row_number) for p in problems_of(data, "r.xlsx")] == [
        ("missing_column", 1),
        ("missing_column", 1),
    ]


def test_xlsx_row_numbers_survive_a_large_gap() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet["A100000"], sheet["B100000"] = "山田", "y@example.jp"
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert [row.row_number for row in parse_roster(buffer.getvalue(), "r.xlsx").rows] == [100000]


def test_xlsx_numbers_are_converted_to_text() -> None:
    data = xlsx_bytes([["氏名", "メール", "部署"], [12345, "n@example.jp", 7.0]])

    row = parse_roster(data, "r.xlsx").rows[0]

    assert (row.name, row.department) == ("12345", "7")


# ---------------------------------------------------------------- problems


def test_duplicate_email_is_reported_on_the_later_row() -> None:
    data = "氏名,メール\nA,taro@example.jp\nB,b@example.jp\nC,TARO@example.jp\n".encode()

    assert problems_of(data) == [RosterProblem("duplicate_email", 4, "メール", "taro@example.jp")]


def test_unknown_role_names_the_token() -> None:
    data = "氏名,メール,役割\nA,a@example.jp,社員・部長\n".encode()

    assert problems_of(data) == [RosterProblem("unknown_role", 2, "役割", "部長")]


def test_missing_columns_are_all_reported() -> None:
    data = "部署,役割\n総務,社員\n".encode()

    assert problems_of(data) == [
        RosterProblem("missing_column", 1, "氏名"),
        RosterProblem("missing_column", 1, "メール"),
    ]


def test_duplicate_column_via_alias() -> None:
    data = "氏名,メール,email\nA,a@example.jp,b@example.jp\n".encode()

    assert problems_of(data) == [RosterProblem("duplicate_column", 1, "メール", "email")]


def test_empty_file() -> None:
    assert codes_of(b"") == ["empty_file"]


def test_whitespace_only_file_is_empty() -> None:
    assert codes_of(b"\xef\xbb\xbf\r\n , \r\n") == ["empty_file"]


def test_header_without_rows() -> None:
    assert codes_of("氏名,メール\r\n\r\n".encode()) == ["no_rows"]


@pytest.mark.parametrize("filename", ["roster.xls", "roster.XLS", "roster.txt", "roster", "roster.csv.exe"])
def test_other_file_types_are_refused(filename: str) -> None:
    assert codes_of("氏名,メール\nA,a@example.jp\n".encode(), filename) == ["unsupported_file_type"]


def test_corrupt_xlsx_is_bad_xlsx() -> None:
    good = xlsx_bytes([HEADER, ["A", "a@example.jp"]])

    assert codes_of(good[: len(good) // 2], "r.xlsx") == ["bad_xlsx"]
    assert codes_of("氏名,メール\n".encode(), "r.xlsx") == ["bad_xlsx"]


def test_xlsx_with_broken_sheet_xml_is_bad_xlsx() -> None:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER, ["A", "a@example.jp"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)

    assert codes_of(buffer.getvalue(), "r.xlsx") == ["bad_xlsx"]


def test_too_many_rows() -> None:
    rows = [HEADER] + [[f"n{i}", f"u{i}@example.jp"] for i in range(MAX_ROWS + 1)]

    assert codes_of(csv_bytes(rows)) == ["too_many_rows"]


def test_exactly_max_rows_is_accepted() -> None:
    rows = [HEADER] + [[f"n{i}", f"u{i}@example.jp"] for i in range(MAX_ROWS)]

    assert len(parse_roster(csv_bytes(rows), "r.csv").rows) == MAX_ROWS


def test_too_long_values() -> None:
    data = csv_bytes(
        [
            ["氏名", "メール", "部署"],
            ["名" * 101, "a" * 250 + "@example.jp", "部" * 101],
            ["名" * 100, "b@example.jp", "部" * 100],
        ]
    )

    assert [(p.code, p.row_number, p.column) for p in problems_of(data)] == [
        ("too_long", 2, "氏名"),
        ("too_long", 2, "メール"),
        ("too_long", 2, "部署"),
    ]


def test_problem_values_are_truncated() -> None:
    problem = problems_of(csv_bytes([HEADER, ["x" * 500, "a@example.jp"]]))[0]

    assert problem.value == "x" * 100


def test_invalid_emails() -> None:
    bad = [
        "taro", "taro@", "@example.jp", "taro@@example.jp", "山田@example.jp", "a..b@example.jp", "a@localhost",
    ]
    data = csv_bytes([HEADER] + [[f"n{i}", email] for i, email in enumerate(bad)])

    assert problems_of(data) == [
        RosterProblem("invalid_email", i + 2, "メール", email) for i, email in enumerate(bad)
    ]


def test_control_characters_in_names_are_invalid_value() -> None:
    data = csv_bytes(
        [HEADER, ["山田\x00太郎", "a@example.jp"], ["\u202eevil", "b@example.jp"], ["\u200b", "c@example.jp"]]
    )

    assert problems_of(data) == [
        RosterProblem("invalid_value", 2, "氏名", "山田\ufffd太郎"),
        RosterProblem("invalid_value", 3, "氏名", "\ufffdevil"),
        RosterProblem("invalid_value", 4, "氏名", "\u200b"),
    ]


def test_missing_values() -> None:
    data = csv_bytes([["氏名", "メール", "部署"], ["", "a@example.jp", ""], ["B", " ", "総務"]])

    assert problems_of(data) == [
        RosterProblem("missing_value", 2, "氏名"),
        RosterProblem("missing_value", 3, "メール"),
    ]


def test_several_problems_are_reported_at_once() -> None:
    data = (
        "氏名,メール,役割\n"
        ",a@example.jp,社員\n"
        "B,not-an-email,部長\n"
        "C,a@example.jp,\n"
    ).encode()

    assert problems_of(data) == [
        RosterProblem("missing_value", 2, "氏名"),
        RosterProblem("invalid_email", 3, "メール", "not-an-email"),
        RosterProblem("unknown_role", 3, "役割", "部長"),
        RosterProblem("duplicate_email", 4, "メール", "a@example.jp"),
    ]


def test_problem_collection_stops_at_the_cap() -> None:
    rows = [HEADER] + [[f"n{i}", "not-an-email"] for i in range(MAX_PROBLEMS + 50)]

    assert len(problems_of(csv_bytes(rows))) == MAX_PROBLEMS


def test_invalid_utf8_after_bom_is_unknown_encoding() -> None:
    assert codes_of(b"\xef\xbb\xbf\xff\xfe") == ["unknown_encoding"]


def test_oversized_csv_field_is_bad_csv_not_a_crash() -> None:
    data = csv_bytes([HEADER, ["x" * (csv.field_size_limit() + 1), "a@example.jp"]])

    assert problems_of(data) == [RosterProblem("bad_csv", 2)]


def test_error_message_lists_codes() -> None:
    error = RosterFileError([RosterProblem("no_rows"), RosterProblem("empty_file")])

    assert str(error) == "roster rejected: empty_file, no_rows"


# ---------------------------------------------------------------- property


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
            st.one_of(
                st.emails(),
                st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
            ),
        ),
        max_size=20,
    )
)
def test_any_written_csv_gives_rows_or_roster_file_error(rows: list[tuple[str, str]]) -> None:
    data = csv_bytes([HEADER, *[list(row) for row in rows]])
    try:
        result = parse_roster(data, "r.csv")
    except RosterFileError as error:
        assert error.problems
        assert {problem.code for problem in error.problems} <= PROBLEM_CODES
    else:
        assert isinstance(result, ParsedRoster)
        assert all(row.name == row.name.strip(WHITESPACE) and row.name for row in result.rows)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["r.csv", "r.xlsx"]))
def test_any_bytes_give_rows_or_roster_file_error(data: bytes, filename: str) -> None:
    try:
        parse_roster(data, filename)
    except RosterFileError as error:
        assert {problem.code for problem in error.problems} <= PROBLEM_CODES


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x07", "\x1b", "\u2028", "\x85", "\t", "\ufffe"])
def test_the_roster_refuses_what_every_form_field_refuses(char: str) -> None:
    from lms import textrule

    data = csv_bytes([["氏名", "メールアドレス", "部署"], ["山田太郎", "yamada@example.jp", f"総務{char}部"]])
    assert not textrule.is_acceptable(f"総務{char}部", multiline=False)
    assert problems_of(data) == [RosterProblem("invalid_value", 2, "部署", "総務\ufffd部")]
