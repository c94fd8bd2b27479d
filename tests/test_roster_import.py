"""Bulk roster import through the web: preview first, then all or nothing."""
import io
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import RosterImport, User
from lms.accounts.roles import Role
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.orgs.models import Department
from tests.conftest import count, shared_path

HEADER = "氏名,メール,部署,役割\r\n"


@pytest.fixture
def org_admin(create_org: Any, create_user: Any) -> User:
    return create_user(create_org(name="株式会社みなと精工"), roles=(Role.ORG_ADMIN,), email="boss@example.jp")


def _upload(client: Any, org_admin: User, content: bytes, filename: str = "roster.csv") -> Any:
    url = f"/o/{org_admin.org_id}/members/import"
    token = client.csrf_token(url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(content), filename)})


def _confirm(client: Any, response: Any) -> Any:
    preview_url = response.headers["Location"]
    return client.submit(preview_url, {})


def test_a_cp932_file_from_excel_is_previewed_then_imported(client: Any, org_admin: User) -> None:
    rows = HEADER + "髙橋 一郎,ichiro@example.jp,製造部,受講者\r\n山﨑 花子,hanako@example.jp,総務部,受講者、管理者\r\n"
    client.login("boss@example.jp")
    response = _upload(client, org_admin, rows.encode("cp932"))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "髙橋 一郎" in preview and "cp932" in preview and "新しく2人を招待します" in preview
    assert count(User) == 1  # nothing written before confirmation

    assert _confirm(client, response).status_code == 302
    hanako = db.session.scalar(sa.select(User).where(User.email == "hanako@example.jp"))
    assert hanako.display_name == "山﨑 花子"
    assert hanako.roles == {Role.EMPLOYEE, Role.ORG_ADMIN}
    assert sorted(db.session.scalars(sa.select(Department.name))) == ["総務部", "製造部"]
    assert count(EmailMessage, EmailMessage.kind == "invitation") == 2


def test_utf8_with_bom_is_read_without_mojibake(client: Any, org_admin: User) -> None:
    client.login("boss@example.jp")
    response = _upload(client, org_admin, ("\ufeff" + HEADER + "佐藤 美咲,misaki@example.jp,営業部,\r\n").encode("utf-8"))
    _confirm(client, response)
    assert db.session.scalar(sa.select(User.display_name).where(User.email == "misaki@example.jp")) == "佐藤 美咲"


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(client: Any, org_admin: User) -> None:
    rows = HEADER + (
        "山田 太郎,taro@example.jp,製造部,受講者\r\n,jiro@example.jp,製造部,受講者\r\n"
        "鈴木,not-an-email,,社長補佐\r\n山田 太郎,taro@example.jp,,\r\n"
    )
    client.login("boss@example.jp")
    response = _upload(client, org_admin, rows.encode("utf-8"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "取り込みは行われていません" in page
    assert "3行目の「氏名」：入力が必要です。" in page
    assert "4行目の「メール」：「not-an-email」はメールアドレスの形式ではありません。" in page
    assert "4行目の「役割」：「社長補佐」という役割はありません。" in page
    assert "5行目の「メール」：「taro@example.jp」がファイル内で重複しています。" in page
    assert count(User) == 1 and count(Department) == 0 and count(RosterImport) == 0


def test_an_address_of_another_company_is_a_row_error(client: Any, org_admin: User, create_org: Any, create_user: Any) -> None:
    create_user(create_org(name="他社"), email="taken@example.jp")
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + "他社 さん,taken@example.jp,,\r\n").encode())
    assert "2行目の「メール」：「taken@example.jp」は別の企業ですでに登録されています。" in response.get_data(as_text=True)


def test_an_address_taken_between_preview_and_confirm_aborts_the_whole_import(
    client: Any, org_admin: User, create_org: Any, create_user: Any
) -> None:
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + "一郎,one@example.jp,A部,\r\n二郎,two@example.jp,B部,\r\n").encode())
    create_user(create_org(name="他社"), email="two@example.jp")
    confirm = _confirm(client, response)
    assert "3行目の「メール」" in confirm.get_data(as_text=True)
    assert count(User, User.email == "one@example.jp") == 0 and count(Department) == 0


def test_confirming_twice_imports_once(client: Any, org_admin: User) -> None:
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + "一郎,one@example.jp,,\r\n").encode())
    _confirm(client, response)
    second = client.submit(response.headers["Location"], {})
    assert "このファイルは取り込み済みです。" in second.get_data(as_text=True)
    assert count(User, User.email == "one@example.jp") == 1
    assert count(EmailMessage) == 1


def test_existing_members_are_updated_and_keep_their_roles(client: Any, org_admin: User) -> None:
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + "上司,boss@example.jp,経営企画部,受講者\r\n").encode())
    assert "既存の1人を更新します" in client.get(response.headers["Location"]).get_data(as_text=True)
    _confirm(client, response)
    boss = db.session.get(User, org_admin.id)
    assert boss.roles == {Role.ORG_ADMIN, Role.EMPLOYEE} and boss.department.name == "経営企画部"


def test_an_unknown_encoding_is_refused_with_advice(client: Any, org_admin: User) -> None:
    text = shared_path("japanese", "cpython-cjkencodings", "euc_jp-utf8.txt").read_text(encoding="utf-8")
    name = next(line.strip() for line in text.splitlines() if line.strip() and "," not in line)[:20]
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + f"{name},euc@example.jp,,\r\n").encode("euc_jp"))
    assert "文字コードを判別できませんでした" in response.get_data(as_text=True)
    assert count(User) == 1


def test_xlsx_files_are_imported(client: Any, org_admin: User) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["氏名", "メール", "部署", "役割"])
    sheet.append(["伊藤 健一", "kenichi@example.jp", "品質保証部", "経営者"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.login("boss@example.jp")
    response = _upload(client, org_admin, buffer.getvalue(), "名簿.xlsx")
    _confirm(client, response)
    assert db.session.scalar(sa.select(User).where(User.email == "kenichi@example.jp")).roles == {Role.EXECUTIVE}


def test_an_old_xls_file_gets_a_specific_message(client: Any, org_admin: User) -> None:
    client.login("boss@example.jp")
    response = _upload(client, org_admin, b"\xd0\xcf\x11\xe0", "roster.xls")
    assert "CSVとExcel（.xlsx）のファイルだけです" in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused_with_the_limit(make_app: Any, create_org: Any, create_user: Any) -> None:
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    with app.app_context():
        admin = create_user(create_org(), roles=(Role.ORG_ADMIN,), email="boss@example.jp")
        client.login("boss@example.jp")
        response = _upload(client, admin, (HEADER + "x,y@example.jp,,\r\n" * 200).encode())
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_csv_injection_payloads_are_kept_as_plain_names(client: Any, org_admin: User) -> None:
    # Formula payloads from PayloadsAllTheThings are data here: stored as typed, shown escaped.
    readme = shared_path("csv", "csv-injection", "PayloadsAllTheThings-CSV-Injection-README.md").read_text()
    payload = next(line.strip() for line in readme.splitlines() if line.strip().startswith("=") and "," not in line)
    client.login("boss@example.jp")
    response = _upload(client, org_admin, (HEADER + f"\"{payload}\",formula@example.jp,,\r\n").encode())
    _confirm(client, response)
    assert db.session.scalar(sa.select(User.display_name).where(User.email == "formula@example.jp")) == payload


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x1b"])
def test_a_file_name_with_a_control_character_is_refused_naming_the_field(client: Any, org_admin: User, char: str) -> None:
    client.login("boss@example.jp")
    content = (HEADER + "山田太郎,yamada@example.jp,総務部,社員\r\n").encode()
    response = _upload(client, org_admin, content, filename=f"名簿{char}.csv")
    assert response.status_code < 500
    assert "「名簿ファイル（CSVまたはExcel .xlsx）」に選んだファイルの名前に使えない文字" in response.get_data(as_text=True)
    assert count(RosterImport) == 0
