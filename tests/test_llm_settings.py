"""The AI model's settings: the installation's environment, and each company's switch and monthly budget."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.config import ConfigError, load_settings
from lms.extensions import db
from lms.llm import service
from lms.llm.models import LLMUsage
from lms.orgs.models import Organization
from tests.conftest import count


def test_the_model_is_off_by_default(tmp_path: Path) -> None:
    settings = load_settings({"LMS_SECRET_KEY": "x"}, tmp_path)
    assert settings["LMS_LLM_BASE_URL"] == "" and settings["LMS_LLM_STREAM"] is True
    assert settings["LMS_LLM_READ_TIMEOUT"] == 60 and settings["LMS_LLM_TOTAL_TIMEOUT"] == 300


def test_an_ollama_server_is_configured_by_three_variables(tmp_path: Path) -> None:
    settings = load_settings({"LMS_SECRET_KEY": "x", "LMS_LLM_BASE_URL": "http://localhost:11434/v1/",
                              "LMS_LLM_MODEL": "qwen2.5:7b", "LMS_LLM_READ_TIMEOUT": "120"}, tmp_path)
    assert settings["LMS_LLM_BASE_URL"] == "http://localhost:11434/v1" and settings["LMS_LLM_MODEL"] == "qwen2.5:7b"
    assert settings["LMS_LLM_READ_TIMEOUT"] == 120 and settings["LMS_LLM_API_KEY"] == ""


def test_a_base_url_without_a_model_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LMS_LLM_MODEL"):
        load_settings({"LMS_SECRET_KEY": "x", "LMS_LLM_BASE_URL": "http://localhost:1234/v1"}, tmp_path)


def test_a_base_url_that_is_not_http_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="http://"):
        load_settings({"LMS_SECRET_KEY": "x", "LMS_LLM_BASE_URL": "localhost:11434", "LMS_LLM_MODEL": "m"}, tmp_path)


# --- the company's settings card on the cohorts page ---------------------------------------------------------------


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LMS_LLM_BASE_URL": "http://127.0.0.1:9/v1", "LMS_LLM_MODEL": "m"}  # configured, never called here


@pytest.fixture
def org(create_org: Any) -> Organization:
    return create_org()


@pytest.fixture
def admin(client: Any, org: Organization, create_user: Any) -> Any:
    create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.jp")
    client.login("admin@example.jp")
    return client


def test_an_admin_turns_the_model_on_and_sets_the_budget(app: Flask, admin: Any, org: Organization) -> None:
    page = admin.get(f"/o/{org.id}/cohorts/").get_data(as_text=True)
    assert "演習で使うAIモデル" in page and "今月の利用：200 件中 0 件" in page
    response = admin.submit(f"/o/{org.id}/ai-model/settings", {"llm_enabled": "y", "llm_monthly_budget": "50"},
                            page=f"/o/{org.id}/cohorts/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cohorts/#ai-model")
    org = db.session.get(Organization, org.id, populate_existing=True)
    assert org.llm_enabled and org.llm_monthly_budget == 50 and service.is_available(org)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "org.llm_settings"))
    assert event is not None and event.org_id == org.id and event.details == {"enabled": True, "budget": 50}
    assert "AIモデルの設定を保存しました。" in admin.get(f"/o/{org.id}/cohorts/").get_data(as_text=True)


def test_the_card_shows_this_months_use(app: Flask, admin: Any, org: Organization) -> None:
    db.session.add(LLMUsage(org_id=org.id, month=service.current_month(), requests=37))
    db.session.add(LLMUsage(org_id=org.id, month="2020-01", requests=99))
    db.session.commit()
    assert "今月の利用：200 件中 37 件" in admin.get(f"/o/{org.id}/cohorts/").get_data(as_text=True)


@pytest.mark.parametrize("budget", ["-1", "100001", "", "たくさん"])
def test_a_budget_out_of_range_is_refused_with_a_reason(app: Flask, admin: Any, org: Organization, budget: str) -> None:
    admin.submit(f"/o/{org.id}/ai-model/settings", {"llm_enabled": "y", "llm_monthly_budget": budget},
                 page=f"/o/{org.id}/cohorts/")
    page = admin.get(f"/o/{org.id}/cohorts/").get_data(as_text=True)
    assert "AIモデルの設定は保存されていません" in page and "1か月の依頼数の上限" in page
    assert not db.session.get(Organization, org.id, populate_existing=True).llm_enabled


def test_a_post_without_the_csrf_token_changes_nothing(app: Flask, admin: Any, org: Organization) -> None:
    admin.post(f"/o/{org.id}/ai-model/settings", data={"llm_enabled": "y", "llm_monthly_budget": "5"})
    assert not db.session.get(Organization, org.id, populate_existing=True).llm_enabled


def test_without_a_model_the_card_says_so(app: Flask, admin: Any, org: Organization) -> None:
    app.config["LMS_LLM_BASE_URL"] = ""
    page = admin.get(f"/o/{org.id}/cohorts/").get_data(as_text=True)
    assert "AIモデルが設定されていない" in page and "今月の利用" not in page


@pytest.mark.parametrize("roles", [(Role.TRAINER,), (Role.EMPLOYEE,), (Role.EXECUTIVE,)])
def test_only_the_companys_administrators_see_and_change_it(
    app: Flask, client: Any, org: Organization, create_user: Any, roles: tuple[Role, ...]
) -> None:
    create_user(org, roles=roles, email="someone@example.jp")
    client.login("someone@example.jp")
    page = client.get(f"/o/{org.id}/cohorts/")
    assert "演習で使うAIモデル" not in page.get_data(as_text=True)
    token = client.csrf_token("/account")
    response = client.post(f"/o/{org.id}/ai-model/settings",
                           data={"csrf_token": token, "llm_enabled": "y", "llm_monthly_budget": "5"})
    assert response.status_code == 403
    assert not db.session.get(Organization, org.id, populate_existing=True).llm_enabled
    assert count(AuditEvent, AuditEvent.action == "org.llm_settings") == 0


@pytest.mark.browser
def test_an_admin_on_a_phone_turns_the_model_on(phone: Any, server: Any, org: Organization, create_user: Any) -> None:
    from tests.browser import shot, sign_in

    create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.jp")
    sign_in(phone, server.url, "admin@example.jp")
    phone.wait_for_load_state()
    phone.goto(f"{server.url}/o/{org.id}/cohorts/")
    card = phone.locator("#ai-model")
    assert "200 件中 0 件" in card.get_by_test_id("llm-used").inner_text()
    card.get_by_label("演習で社員がAIモデルの回答を受け取れるようにする").check()
    card.get_by_label("1か月の依頼数の上限").fill("30")
    card.get_by_role("button", name="保存").click()
    phone.wait_for_url(f"{server.url}/o/{org.id}/cohorts/#ai-model")
    assert "AIモデルの設定を保存しました。" in phone.content()
    assert "30 件中 0 件" in card.get_by_test_id("llm-used").inner_text()
    assert card.get_by_label("演習で社員がAIモデルの回答を受け取れるようにする").is_checked()
    shot(phone, "ai-model-settings-phone")
    db.session.expire_all()
    assert db.session.get(Organization, org.id).llm_monthly_budget == 30


# --- `flask llm check` ------------------------------------------------------------------------------------------


def test_the_check_command_asks_the_model_and_prints_its_answer(app: Flask, fake_llm: Any) -> None:
    from tests.conftest import llm_config
    from tests.fake_llm import Reply

    app.config.update(llm_config(fake_llm))
    fake_llm.script(Reply("準備ができました"))
    result = app.test_cli_runner().invoke(args=["llm", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "準備ができました\n"
    assert "ok: model fake-model, first words after" in result.stderr and "finish stop" in result.stderr
    (asked,) = fake_llm.received[0].body["messages"]
    assert asked == {"role": "user", "content": "「準備ができました」とだけ答えてください。"}


def test_the_check_command_says_why_it_failed(app: Flask, fake_llm: Any) -> None:
    from tests.conftest import llm_config
    from tests.fake_llm import Rejected

    app.config.update(llm_config(fake_llm))
    fake_llm.script(Rejected(401, "Incorrect API key provided"))
    result = app.test_cli_runner().invoke(args=["llm", "check"])
    assert result.exit_code == 1
    assert "rejected: HTTP 401: Incorrect API key provided (check LMS_LLM_API_KEY)" in result.stderr


def test_the_check_command_without_a_model_says_what_to_set(app: Flask) -> None:
    app.config["LMS_LLM_BASE_URL"] = ""
    result = app.test_cli_runner().invoke(args=["llm", "check"])
    assert result.exit_code == 1 and "set LMS_LLM_BASE_URL and LMS_LLM_MODEL" in result.stderr
