"""The provider's own case catalog as a spreadsheet: template, import (preview, all or nothing), export, CLI.

Every bad input of issue 13 for the import is here: an unknown code names the
row and the column and nothing is imported; unknown and missing columns,
duplicate ids, ids of file cases, links to lessons and exercises that do not
exist. Real inputs come from /work/shared/testdata (see its SOURCES.md).
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.usecases import catalog, catalog_import
from lms.usecases.catalog import CatalogFileError
from lms.usecases.search import search
from lms.usecases.models import CatalogImport, Usecase, UsecaseRevision, UsecaseSearchDoc
from tests.conftest import count, shared_path
from tests.usecaseworld import PLAIN, load_cases

EXAMPLE = dict(catalog_import.EXAMPLE_ROW)
HEADERS = catalog.headers()


def row(**changes: str) -> dict[str, str]:
    return {**EXAMPLE, **changes}


def table(*rows: dict[str, str], headers: list[str] | None = None) -> list[list[str]]:
    headers = headers or HEADERS
    fields = [catalog.HEADER_INDEX.get(_key(h), h) for h in headers]
    return [headers, *[[r.get(f, "") for f in fields] for r in rows]]


def _key(header: str) -> str:
    from lms.core.tabular import header_key
    return header_key(header)


def xlsx(cells: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in cells:
        sheet.append(values)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed: "=SUM(A1)" is not a formula here
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(cells: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(cells)
    return buffer.getvalue()


def problems_of(data: bytes, filename: str = "cases.xlsx") -> list[str]:
    with pytest.raises(CatalogFileError) as caught:
        catalog_import.check_file(data, filename)
    from flask_babel import force_locale, gettext
    with force_locale("ja"):
        return [p.localized(gettext) for p in caught.value.problems]


def imported(data: bytes, filename: str = "cases.xlsx", *, archive_missing: bool = False) -> catalog_import.ImportSummary:
    return catalog_import.import_catalog(data, filename, actor=None, archive_missing=archive_missing)


def case(slug: str) -> Usecase:
    found = db.session.scalar(sa.select(Usecase).where(Usecase.slug == slug))
    assert found is not None
    return found


@pytest.fixture
def trainer(create_user: Any) -> User:
    return create_user(None, roles=(Role.TRAINER,), email="trainer@example.jp")


# --- the template and a first import ------------------------------------------------------------


def test_the_template_file_imports_as_one_spreadsheet_case(app: Flask) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(catalog_import.template_xlsx()))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS and sheet.max_row == 2
    assert imported(catalog_import.template_xlsx()) == catalog_import.ImportSummary(1, 0, 0, 0)
    shift = case("shift-shitagaki")
    assert shift.origin == Usecase.IMPORT and shift.industries == ["retail", "food_service"]
    assert (shift.task_type, shift.level, shift.data_class, shift.checkin_task, shift.basis, shift.minutes) == (
        "data", "beginner", "internal", "data", "example", 60)
    revision = shift.current_revision
    assert revision is not None and revision.source == UsecaseRevision.IMPORT
    assert len(revision.parsed["steps"]) == 4 and "<ol>" in revision.body_html
    assert count(AuditEvent, AuditEvent.action == "usecases.catalog_imported") == 1


def test_codes_english_headers_and_comma_separated_lists_are_read_too(app: Flask) -> None:
    english = [c.field for c in catalog.COLUMNS]
    english[english.index("template")] = "prompt_template"
    cells = table(row(industries="manufacturing, 農業", task_type="writing", tools="chat,office",
                      level="systematic", risks="誤った回答が届く → 最初は人が承認する", checkin_task="documents",
                      basis="cited", source="中小企業白書 2024, https://example.jp/hakusho"), headers=english)
    imported(xlsx(cells))
    got = case("shift-shitagaki")
    assert got.industries == ["manufacturing", "agriculture"]
    assert got.tools == ["chat", "office"] and got.level == "systematic" and got.basis == "cited"


# --- bad input: row and column named, nothing imported ----------------------------------------------


def test_an_unknown_industry_code_names_row_and_column_and_nothing_is_imported(client: Any, trainer: User) -> None:
    data = xlsx(table(row(id="first-case"), row(id="second-case", industries="retail\nfarming")))
    client.login("trainer@example.jp")
    response = client.submit("/authoring/cases/", {"file": (io.BytesIO(data), "cases.xlsx")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "取り込みは行われていません" in page or "Nothing was imported" in page
    assert "3行目「業種」列: 「業種」 のコード &#39;farming&#39; は使えません" in page
    assert count(Usecase) == 0 and count(CatalogImport) == 0


def test_bad_cells_are_each_reported_with_row_and_column(app: Flask) -> None:
    data = xlsx(table(
        row(id="a-case", task_type="dance"),
        row(id="b-case", basis="出典あり"),  # cited without a source
        row(id="c-case", level="仕組み化"),  # systematic without risks
        row(id="d-case", title=""),
        row(id="E_case"),
        row(id="f-case", steps="一つだけ"),
        row(id="g-case", minutes="六十"),
        row(id="h-case", departments="経営、営業、経理、人事"),
        row(id="i-case", summary="一行目\n二行目"),
        row(id=""),
    ))
    problems = problems_of(data)
    assert any(p.startswith("2行目「作業の種類」列: ") and "'dance'" in p for p in problems), problems
    assert any(p.startswith("3行目「根拠」列: ") for p in problems), problems
    assert any(p.startswith("4行目「レベル」列: ") for p in problems), problems
    assert "5行目「タイトル」列: このセルは必須です。入力してください" in problems
    assert any(p.startswith("6行目「ID」列: 'E_case' はIDとして使えません") for p in problems), problems
    assert any(p.startswith("7行目「手順」列: ") for p in problems), problems
    assert any(p.startswith("8行目「削減時間（分/週）」列: ") for p in problems), problems
    assert any(p.startswith("9行目「部門」列: ") for p in problems), problems
    assert any(p.startswith("10行目「概要」列: ") for p in problems), problems
    assert "11行目「ID」列: このセルは必須です。入力してください" in problems
    assert count(Usecase) == 0


def test_unknown_and_missing_columns_are_errors(app: Flask) -> None:
    headers = [h for h in HEADERS if h != "業種"] + ["メモ"]
    problems = problems_of(xlsx(table(row(), headers=headers)))
    assert "1行目「メモ」列: 不明な列です。テンプレートの見出し（ガイド参照）を使うか、この列を削除してください" in problems
    assert "1行目「業種」列: 必須の列がありません。1行目の見出しに追加してください" in problems


def test_duplicate_ids_are_errors(app: Flask) -> None:
    problems = problems_of(xlsx(table(row(), row(title="別の事例を作る"))))
    assert problems == ["3行目「ID」列: ID 'shift-shitagaki' は 2行目にもあります。事例ごとに別のIDにしてください"]


def test_an_id_of_a_file_case_is_refused_and_file_cases_are_never_touched(app: Flask) -> None:
    load_cases(shift_shitagaki=PLAIN, other_file=PLAIN)
    problems = problems_of(xlsx(table(row(), row(id="other-case", aliases="other-file"))))
    assert problems[0].startswith("2行目「ID」列: ID 'shift-shitagaki' は usecases/ のファイルの事例")
    assert "ファイルの事例はファイルで編集し、取り込むことはできません" in problems[0]
    assert problems[1].startswith("3行目「旧ID」列: ")
    assert case("shift-shitagaki").origin == Usecase.FILE and count(Usecase) == 2


def test_links_to_lessons_and_exercises_that_do_not_exist_are_errors(app: Flask) -> None:
    problems = problems_of(xlsx(table(row(lessons="ws-kouri/mise-no-shigoto/shift", exercises="kouri-shift"))))
    assert [p.split(": ")[0] for p in problems] == ["2行目「レッスン」列", "2行目「演習」列"]
    assert count(Usecase) == 0


def test_unreadable_files_are_errors_not_crashes(app: Flask) -> None:
    assert problems_of(b"", "cases.csv") == ["ファイルが空です"]
    assert problems_of(b"not a zip", "cases.xlsx") == [".xlsx ファイルを開けません。Excel で保存し直してください"]
    assert problems_of(b"id,title", "cases.xls") == ["ファイルは .xlsx または .csv にしてください"]
    # EUC-JP bytes would be mojibake as CP932: refused, never imported as garbage
    euc = shared_path("japanese", "cpython-cjkencodings", "euc_jp.txt").read_bytes()
    assert problems_of(euc, "cases.csv")[0].startswith("ファイルの文字コードを読み取れません")


# --- encodings and real inputs -----------------------------------------------------------------------


def test_a_cp932_csv_and_a_utf8_bom_csv_import_the_same_case(app: Flask) -> None:
    # (〜 is left out: CP932 has no WAVE DASH and Excel saves it as the full-width tilde)
    text = csv_text(table(row(steps=EXAMPLE["steps"].replace("〜", "から"))))
    assert imported(text.encode("cp932"), "cases.csv") == catalog_import.ImportSummary(1, 0, 0, 0)
    assert imported(("\ufeff" + text).encode("utf-8"), "cases.csv") == catalog_import.ImportSummary(0, 0, 1, 0)


def test_the_shift_jis_sample_text_arrives_as_written(app: Flask) -> None:
    folder = ("japanese", "cpython-cjkencodings")
    expected = [line for line in shared_path(*folder, "shift_jis-utf8.txt").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    lines = [line for line in shared_path(*folder, "shift_jis.txt").read_bytes().decode("cp932").splitlines()
             if line.strip()]
    data = csv_text(table(row(steps=EXAMPLE["steps"].replace("〜", "から"), checks="\n".join(lines)))).encode("cp932")
    imported(data, "cases.csv")
    revision = case("shift-shitagaki").current_revision
    assert revision is not None and revision.parsed["checks"] == [line.strip() for line in expected]


def test_control_and_bidi_characters_from_the_naughty_strings_are_refused_by_row_and_column(app: Flask) -> None:
    strings = json.loads(shared_path("naughty-strings", "blns.json").read_text(encoding="utf-8"))
    refused = [s for s in strings if any(ch in s for ch in "\x01\x07\x1b\u202e\u2028")]
    assert refused, "the naughty strings should hold control characters"
    rows = [row(id=f"case-{i}", title=f"件名を{i}作る", never_enter=s) for i, s in enumerate(refused)]
    problems = problems_of(("\ufeff" + csv_text(table(*rows))).encode("utf-8"), "cases.csv")
    assert len(problems) == len(refused)
    assert all("「入力してはいけないもの」列: セルに使えない文字" in p for p in problems), problems[:3]


def test_naughty_strings_and_xss_payloads_import_as_plain_text_or_are_refused(app: Flask) -> None:
    strings = json.loads(shared_path("naughty-strings", "blns.json").read_text(encoding="utf-8"))
    xss_dir = shared_path("xss", "payloadbox")
    payloads = [line for f in sorted(xss_dir.rglob("*.txt"))[:2]
                for line in f.read_text(encoding="utf-8", errors="replace").splitlines()[:100] if line.strip()]
    accepted = [s for s in strings + payloads if s.strip() and catalog_import_ok(s)]
    rows = [row(id=f"case-{i}", points=s, prerequisites=s) for i, s in enumerate(accepted)]
    summary = imported(("\ufeff" + csv_text(table(*rows))).encode("utf-8"), "cases.csv")
    assert summary.created == len(accepted)
    tag_with_handler = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
    for revision in db.session.scalars(sa.select(UsecaseRevision)):
        assert "<script" not in revision.points_html.lower() and not tag_with_handler.search(revision.points_html)


def catalog_import_ok(text: str) -> bool:
    from lms import textrule
    return textrule.first_refused(text, multiline=True) is None and not text.lstrip().startswith("#") and \
        "```" not in text and "~~~" not in text


def test_csv_spectrum_files_are_read_without_crashing(app: Flask) -> None:
    folder = shared_path("csv", "csv-spectrum", "csvs")
    files = sorted(folder.glob("*.csv"))
    assert files
    for file in files:
        problems = problems_of(file.read_bytes(), file.name)
        assert problems and all(isinstance(p, str) for p in problems)


# --- preview, confirm, archive -------------------------------------------------------------------------


def test_upload_previews_then_confirm_writes_everything(client: Any, trainer: User) -> None:
    client.login("trainer@example.jp")
    page = client.get("/authoring/").get_data(as_text=True)
    assert "/authoring/cases/" in page
    data = xlsx(table(row(), row(id="nyukin-shogo", title="入金と請求を照合する", departments="経理")))
    response = client.submit("/authoring/cases/", {"file": (io.BytesIO(data), "cases.xlsx")})
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "新しく追加される事例：2件" in preview and "入金と請求を照合する" in preview
    assert count(Usecase) == 0  # nothing written before confirmation
    assert client.submit(preview_url, {}).status_code == 302
    assert count(Usecase, Usecase.origin == Usecase.IMPORT) == 2
    staged = db.session.scalar(sa.select(CatalogImport))
    assert staged is not None and staged.applied_at is not None
    assert client.submit(preview_url, {}).status_code == 200  # applied once only
    assert count(UsecaseRevision) == 2


def test_forms_need_the_csrf_token_and_staff_roles(client: Any, trainer: User, create_user: Any,
                                                   create_org: Any) -> None:
    create_user(create_org(), roles=(Role.ORG_ADMIN,), email="boss@example.jp")
    client.login("boss@example.jp")
    assert client.get("/authoring/cases/").status_code == 403
    assert client.get("/authoring/cases/export.xlsx").status_code == 403
    client.logout()
    client.login("trainer@example.jp")
    data = xlsx(table(row()))
    assert client.post("/authoring/cases/", data={"file": (io.BytesIO(data), "cases.xlsx")}).status_code == 400
    assert count(CatalogImport) == 0


def test_archive_missing_is_off_unless_ticked(client: Any, trainer: User) -> None:
    imported(xlsx(table(row(), row(id="old-case", title="古い事例を使う"))))
    client.login("trainer@example.jp")
    data = xlsx(table(row()))
    preview_url = client.submit("/authoring/cases/", {"file": (io.BytesIO(data), "c.xlsx")}).headers["Location"]
    assert "このファイルにない表計算ファイル由来の事例：1件" in client.get(preview_url).get_data(as_text=True)
    client.submit(preview_url, {})
    assert case("old-case").is_archived is False
    preview_url = client.submit("/authoring/cases/", {"file": (io.BytesIO(data), "c.xlsx")}).headers["Location"]
    client.submit(preview_url, {"archive_missing": "y"})
    assert case("old-case").is_archived is True and case("shift-shitagaki").is_archived is False


def test_a_problem_found_at_confirm_writes_nothing(client: Any, trainer: User) -> None:
    client.login("trainer@example.jp")
    data = xlsx(table(row()))
    preview_url = client.submit("/authoring/cases/", {"file": (io.BytesIO(data), "c.xlsx")}).headers["Location"]
    load_cases(shift_shitagaki=PLAIN)  # a file case took the id since the preview
    db.session.commit()
    response = client.submit(preview_url, {})
    assert response.status_code == 400 and "ファイルの事例はファイルで編集し" in response.get_data(as_text=True)
    assert count(Usecase, Usecase.origin == Usecase.IMPORT) == 0


# --- export and round trip ---------------------------------------------------------------------------------


def _varied_rows() -> list[dict[str, str]]:
    return [
        row(),
        row(id="keiri-check", title="請求書の誤りを確認する", industries="全業種", departments="経理\n総務",
            task_type="確認・チェック", tools="chat\noffice", level="systematic",
            risks="誤った判定が通る → 最初は人が全件確認する", data_class="confidential", basis="cited",
            source="例の白書, https://example.jp/a", sources="中小企業白書 | https://example.jp/b",
            points="=SUM(A1)\n- 飲食店なら【メニュー名】を入れます。", aliases="old-keiri",
            template="```\n@【取引先】\n```", prerequisites="+ 社内ルール", checkin_task="quotes"),
    ]


def test_export_and_reimport_change_nothing_in_xlsx_and_csv(client: Any, trainer: User) -> None:
    imported(xlsx(table(*_varied_rows())))
    hashes = dict(db.session.execute(sa.select(Usecase.slug, Usecase.content_hash)).all())
    client.login("trainer@example.jp")
    exported_xlsx = client.get("/authoring/cases/export.xlsx").data
    exported_csv = client.get("/authoring/cases/export.csv").data
    assert exported_csv.startswith("\ufeff".encode())
    assert "'=SUM(A1)" in exported_csv.decode("utf-8-sig")  # Excel shows it as text
    assert imported(exported_xlsx) == catalog_import.ImportSummary(0, 0, 2, 0)
    assert imported(exported_csv, "cases.csv") == catalog_import.ImportSummary(0, 0, 2, 0)
    assert dict(db.session.execute(sa.select(Usecase.slug, Usecase.content_hash)).all()) == hashes
    assert count(UsecaseRevision) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(exported_xlsx)).worksheets[0]
    assert all(cell.data_type == "s" for r in sheet.iter_rows() for cell in r if cell.value)


def test_export_of_every_case_includes_file_cases_whose_reimport_is_refused(app: Flask) -> None:
    load_cases(file_case=PLAIN)
    imported(xlsx(table(row())))
    every = catalog_import.export_rows(every_case=True)
    assert [r[0] for r in every] == ["file-case", "shift-shitagaki"]
    assert [r[0] for r in catalog_import.export_rows()] == ["shift-shitagaki"]
    problems = problems_of(catalog_import.xlsx_bytes(every))
    assert problems == [problems[0]] and problems[0].startswith("2行目「ID」列: ID 'file-case' は usecases/ のファイルの事例")


# --- the CLI -----------------------------------------------------------------------------------------------


def test_cli_import_check_import_and_export(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "PROGRESS_EVERY", 1)
    runner = app.test_cli_runner()
    file = tmp_path / "cases.xlsx"
    file.write_bytes(xlsx(table(*_varied_rows())))
    checked = runner.invoke(args=["usecases", "import", str(file), "--check"])
    assert checked.exit_code == 0, checked.output
    assert "2 case(s) checked: 2 new" in checked.output and count(Usecase) == 0
    done = runner.invoke(args=["usecases", "import", str(file)])
    assert done.exit_code == 0 and "2 created" in done.output and "2 row(s) read and checked" in done.stderr
    assert "1 of 2 row(s) checked" in done.stderr and "writing 2 case(s)" in done.stderr
    out = tmp_path / "out.csv"
    exported = runner.invoke(args=["usecases", "export", str(out)])
    assert exported.exit_code == 0 and "2 case(s) written" in exported.output
    assert out.read_bytes().startswith("\ufeff".encode())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(table(row(id="new-one", industries="farming"))))
    failed = runner.invoke(args=["usecases", "import", str(bad)])
    assert failed.exit_code == 1 and "'farming'" in failed.stderr and "nothing was imported" in failed.stderr
    assert count(Usecase) == 2


# --- scale -------------------------------------------------------------------------------------------------


def generated_rows(n: int) -> list[list[str]]:
    """`n` rows made from a few varied ones, each with its own id and title."""
    bases = _varied_rows() + [row(industries="製造業、建設業", departments="製造", task_type="要約・整理",
                                  points="")]
    cells = []
    for i in range(n):
        base = dict(bases[i % len(bases)])
        base.update(id=f"gen-{i:05d}", title=f"{i}番目の業務を整理する", aliases="")
        cells.append([base.get(c.field, "") for c in catalog.COLUMNS])
    return cells


def generated_xlsx(n: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for values in generated_rows(n):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_10000_row_xlsx_catalog_imports(app: Flask) -> None:
    summary = imported(generated_xlsx(10_000), "big.xlsx")
    assert summary == catalog_import.ImportSummary(10_000, 0, 0, 0)
    assert count(Usecase, Usecase.origin == Usecase.IMPORT, Usecase.is_archived.is_(False)) == 10_000
    assert count(UsecaseRevision) == 10_000
    assert count(UsecaseSearchDoc) == 10_000  # indexed in the same transaction: searchable at once
    assert [hit.slug for hit in search("9999番目")] == ["gen-09999"]


def test_a_file_full_of_errors_lists_the_first_problems_and_says_so(app: Flask) -> None:
    rows = [row(id=f"case-{i}", industries="farming") for i in range(catalog.MAX_PROBLEMS + 50)]
    problems = problems_of(xlsx(table(*rows)))
    assert len(problems) == catalog.MAX_PROBLEMS + 1
    assert problems[0].startswith("2行目「業種」列: ") and problems[-1].startswith(f"最初の{catalog.MAX_PROBLEMS}件")
    assert count(Usecase) == 0


def test_csv_injection_payloads_stay_text_through_export_and_reimport(app: Flask) -> None:
    readme = shared_path("csv", "csv-injection", "PayloadsAllTheThings-CSV-Injection-README.md").read_text(encoding="utf-8")
    payloads = sorted({line.strip() for line in readme.splitlines()
                       if line.strip()[:1] in ("=", "+", "@") and len(line.strip()) > 3})
    assert len(payloads) >= 5
    # a payload as a whole cell (the summary) and as a list item (prerequisites)
    rows = [row(id=f"case-{i}", summary=p, prerequisites=p) for i, p in enumerate(payloads)]
    assert imported(xlsx(table(*rows))).created == len(payloads)
    exported_csv = catalog_import.csv_bytes(catalog_import.export_rows())
    cells = [c for r in csv.reader(io.StringIO(exported_csv.decode("utf-8-sig"))) for c in r]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells), "a cell Excel would run as a formula"
    assert imported(exported_csv, "cases.csv").unchanged == len(payloads)
    exported_xlsx = catalog_import.xlsx_bytes(catalog_import.export_rows())
    sheet = openpyxl.load_workbook(io.BytesIO(exported_xlsx)).worksheets[0]
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert imported(exported_xlsx).unchanged == len(payloads)
