"""In Chromium: a trainer downloads the catalog template, uploads a file with a mistake, fixes it, previews, imports."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.extensions import db
from lms.usecases.models import Usecase
from tests.browser import assert_accessible, accessible_context, shot, sign_in

pytestmark = pytest.mark.browser


def test_a_trainer_imports_the_catalog_template_after_fixing_a_code(
    app: Any, browser: Any, server: Any, create_user: Any, tmp_path: Path
) -> None:
    trainer = create_user(None, roles=(Role.TRAINER,))
    context = accessible_context(browser)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(page, server.url, trainer.email)
    page.goto(f"{server.url}/authoring/")
    page.get_by_role("link", name="事例カタログ（表計算ファイル）の取り込みと書き出し").click()
    page.wait_for_url(f"{server.url}/authoring/cases/")
    with page.expect_download() as download:
        page.get_by_role("link", name="列のテンプレート（記入例1行つき、.xlsx）").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    industry = [c.value for c in sheet[1]].index("業種") + 1
    sheet.cell(row=2, column=industry, value="farming")
    broken = tmp_path / "broken.xlsx"
    workbook.save(broken)
    page.get_by_label("事例カタログのファイル（Excel .xlsx または CSV）").set_input_files(str(broken))
    page.get_by_role("button", name="ファイルを確認する").click()
    assert "2行目「業種」列: 「業種」 のコード 'farming' は使えません" in page.locator(".problems").inner_text()
    assert_accessible(page)

    sheet.cell(row=2, column=industry, value="農業、小売業")
    fixed = io.BytesIO()
    workbook.save(fixed)
    (tmp_path / "fixed.xlsx").write_bytes(fixed.getvalue())
    page.get_by_label("事例カタログのファイル（Excel .xlsx または CSV）").set_input_files(str(tmp_path / "fixed.xlsx"))
    page.get_by_role("button", name="ファイルを確認する").click()
    page.wait_for_url(f"{server.url}/authoring/cases/import/*")
    assert "新しく追加される事例：1件" in page.get_by_test_id("import-summary").inner_text()
    assert_accessible(page)
    shot(page, "catalog-import-preview")
    page.get_by_role("button", name="取り込む").click()
    page.wait_for_url(f"{server.url}/authoring/cases/")
    assert "追加 1件" in page.locator(".flash").inner_text()
    db.session.rollback()
    imported = db.session.scalar(sa.select(Usecase).where(Usecase.slug == "shift-shitagaki"))
    assert imported is not None and imported.origin == Usecase.IMPORT
    assert imported.industries == ["agriculture", "retail"]
    assert violations == []
    context.close()
