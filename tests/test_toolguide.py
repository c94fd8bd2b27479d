"""The tool guide without a request: the table loader (path:line errors), recommend() and the pilot kit."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lms.core import pii
from lms.toolguide import kit
from lms.toolguide.rules import (
    BUDGETS, DATA_ANSWERS, ENVIRONMENT_ANSWERS, Answers, Message, candidates, recommend,
)
from lms.toolguide.table import DEFAULT_PATH, Table, load_table, parse_table, read_table_file

ROOT = Path(__file__).resolve().parents[1]


def fact(value: str = "", **extra: str) -> list[str]:
    """One field's YAML lines (indented for a tool's field), checked and with a vendor page."""
    lines = [f"value: {value}"] if value else []
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["checked: 2026-11-20", "source: https://vendor.example/page"]
    return ["    " + line for line in lines]


def tool(tool_id: str, *, type: str = "chat", environment: str = "any", data: str = "personal",
         price: str = "kind: check", seats: str = "1", training: str = "not_used", indemnity: str = "check") -> str:
    """One tool's YAML (a list item at column 0); `price` holds its own keys separated by '; '."""
    lines = [f"- id: {tool_id}", f"  name: {tool_id} の名前", "  vendor: 提供元", f"  type: {type}",
             f"  environment: {environment}", f"  data: {data}", "  summary: 説明",
             "  price:", *["    " + p for p in price.split("; ")], *fact(),
             "  min_seats:", *fact(seats),
             "  training:", *fact(training),
             "  admin:", *fact("管理画面"),
             "  indemnity:", *fact(indemnity),
             "  data_location:", *fact("要確認", foreign_provider="true")]
    return "\n".join(lines) + "\n"


def table_text(*tools: str, checked: str = "2026-12-01", usd_rate: str = "150") -> str:
    head = f"checked: {checked}\n" + (f"usd_rate: {usd_rate}\n" if usd_rate else "") + "tools:\n"
    return head + "".join(textwrap.indent(t, "  ") for t in tools)


SAMPLE = table_text(
    tool("suite-chat", environment="m365", price="kind: included"),
    tool("suite-office", type="office", environment="m365", price="kind: yen; range: [4000, 4500]"),
    tool("docs-ai", type="office", environment="google", price="kind: included"),
    tool("chat-business", price="kind: usd; range: [20, 25]", seats="2"),
    tool("chat-team", price="kind: check", seats="5"),
    tool("free-ai", type="consumer", data="public", price="kind: free", training="used"),
)


def sample() -> Table:
    table, errors = parse_table(SAMPLE)
    assert errors == [] and table is not None
    return table


# --- the loader ----------------------------------------------------------------------------------


def test_the_sample_table_reads_with_every_field() -> None:
    table = sample()
    assert [t.id for t in table.tools] == ["suite-chat", "suite-office", "docs-ai", "chat-business", "chat-team",
                                           "free-ai"]
    business = table.get("chat-business")
    assert business is not None and business.min_seats.value == 2
    assert table.yen_range(business) == (3000, 3750)  # converted at 150 yen per dollar
    assert table.yen_range(table.get("suite-office")) == (4000, 4500)  # type: ignore[arg-type]
    assert table.yen_range(table.get("chat-team")) is None  # type: ignore[arg-type]
    assert business.data_location.extra == {"foreign_provider": True}


def test_the_shipped_table_is_valid_dated_and_sourced() -> None:
    table = load_table(DEFAULT_PATH)
    assert len(table.tools) >= 7
    for entry in table.tools:
        for name, value in entry.facts.items():
            assert value.checked <= table.checked, (entry.id, name)
            assert value.source.startswith("https://"), (entry.id, name)
    environments = {t.environment for t in table.tools}
    assert environments == {"m365", "google", "any"}
    free = [t for t in table.tools if t.type == "consumer"]
    assert free and all(t.data == "public" and t.training.value == "used" for t in free)
    # A price is a figure only where the vendor states one; everything else is 要確認, included or free.
    assert {t.price.value for t in table.tools} <= {"usd", "yen", "included", "free", "check"}


def errors_of(text: str) -> list[str]:
    table, errors = parse_table(text, "tools.yaml")
    assert table is None
    return [str(e) for e in errors]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = text.split("\n")
    hits = [i + 1 for i, line in enumerate(lines) if needle in line]
    return hits[occurrence - 1]


def test_an_unknown_key_names_its_line() -> None:
    text = SAMPLE.replace("    summary: 説明\n", "    summary: 説明\n    colour: blue\n", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'colour')}: unknown key 'colour' in a tool; allowed keys: "
                               "id, name, vendor, type, environment, data, summary, price, min_seats, training, "
                               "admin, indemnity, data_location"]


def test_a_field_without_its_checked_date_or_vendor_page_is_refused() -> None:
    text = SAMPLE.replace("      checked: 2026-11-20\n", "", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'kind: included')}: missing required key 'checked' in "
                               "price of tool 'suite-chat'"]
    text = SAMPLE.replace("      source: https://vendor.example/page\n", "", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'kind: included')}: missing required key 'source' in "
                               "price of tool 'suite-chat'"]
    text = SAMPLE.replace("source: https://vendor.example/page", "source: 公式サイト", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '公式サイト')}: price.source must be the vendor page's "
                               "address (https://...), not '公式サイト'"]


def test_bad_ranges_are_refused_with_their_line() -> None:
    text = SAMPLE.replace("range: [4000, 4500]", "range: [4500, 4000]")
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '[4500, 4000]')}: price.range must go from low to high, "
                               "both 0 or more: [4500, 4000] is not a range"]
    text = SAMPLE.replace("range: [4000, 4500]", "range: [4000]")
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '[4000]')}: price.range must be two numbers [low, high], "
                               "like [3000, 4500], not [4000]"]
    text = SAMPLE.replace("range: [4000, 4500]", "range: 約4000円")
    assert "price.range must be two numbers" in errors_of(text)[0]
    text = SAMPLE.replace("      kind: yen\n      range: [4000, 4500]\n", "      kind: yen\n")
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'kind: yen')}: price.kind yen needs range: [low, high] "
                               "per person per month"]
    text = SAMPLE.replace("      kind: included\n", "      kind: included\n      range: [0, 0]\n", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '[0, 0]')}: price.kind included has no figures: remove "
                               "range, or set kind to yen or usd"]


def test_dollar_prices_need_the_rate_and_dates_may_not_pass_the_tables_date() -> None:
    text = table_text(tool("chat-business", price="kind: usd; range: [20, 25]"), usd_rate="")
    assert errors_of(text) == ["tools.yaml:3: tool 'chat-business' states its price in US dollars: set usd_rate "
                               "(yen per dollar) at the top of the file"]
    text = SAMPLE.replace("checked: 2026-11-20", "checked: 2026-12-24", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '2026-12-24')}: price.checked is 2026-12-24, after the "
                               "table's own checked date 2026-12-01: move the table's date forward when you check a "
                               "field"]
    text = SAMPLE.replace("checked: 2026-11-20", "checked: 2026-02-30", 1)
    assert errors_of(text)[0].startswith(f"tools.yaml:{line_of(text, '2026-02-30')}: invalid value for price.checked")
    text = SAMPLE.replace("checked: 2026-12-01", "checked: soon", 1)
    assert errors_of(text) == ["tools.yaml:1: checked must be a date written YYYY-MM-DD, not 'soon'"]


def test_wrong_values_duplicates_and_a_free_version_for_business_data_are_refused() -> None:
    text = SAMPLE.replace("environment: m365", "environment: office365", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'office365')}: unknown environment 'office365'; use one "
                               "of: m365, google, any"]
    text = SAMPLE.replace("id: chat-team", "id: chat-business")
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'id: chat-business', 2)}: duplicate tool id "
                               f"'chat-business' (already used on line {line_of(text, 'id: chat-business')})"]
    text = SAMPLE.replace("type: consumer\n    environment: any\n    data: public",
                          "type: consumer\n    environment: any\n    data: internal")
    assert errors_of(text) == [f"tools.yaml:{line_of(text, 'data: internal')}: a general free version (type: "
                               "consumer) is never for business data: set data: public"]
    text = SAMPLE.replace("value: 5", "value: 五", 1)
    assert errors_of(text) == [f"tools.yaml:{line_of(text, '五')}: min_seats.value must be a whole number of 1 or "
                               "more, or check (要確認), not '五'"]
    text = SAMPLE.replace("    vendor: 提供元\n", "", 1)
    assert errors_of(text) == ["tools.yaml:4: missing required key 'vendor' in tool 'suite-chat'"]


def test_broken_yaml_and_bytes_name_their_line(tmp_path: Path) -> None:
    text = SAMPLE.replace("    name: docs-ai の名前", "    name: [docs-ai")
    found = errors_of(text)
    assert len(found) == 1 and found[0].startswith("tools.yaml:") and "invalid YAML" in found[0]
    bad = tmp_path / "tools.yaml"
    bad.write_bytes(SAMPLE.encode("utf-8").replace("説明".encode(), b"\x82\xa0", 1))
    table, errors = read_table_file(bad, "tools.yaml")
    assert table is None and str(errors[0]).startswith(f"tools.yaml:{line_of(SAMPLE, '説明')}: file is not UTF-8")
    assert errors_of("") == ["tools.yaml:1: the file is empty: it needs checked, usd_rate and tools"]


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"LMS_ENV": "development", "LMS_SECRET_KEY": "x", "LMS_DATABASE_URL": "sqlite://", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "lms", "toolguide", "check", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_passes_the_shipped_file_and_fails_a_bad_one(tmp_path: Path) -> None:
    done = run_check()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("toolguide/tools.yaml: ok, ")
    bad = tmp_path / "tools.yaml"
    bad.write_text(SAMPLE.replace("range: [4000, 4500]", "range: [4500, 4000]"), encoding="utf-8")
    done = run_check(str(bad))
    assert done.returncode == 1
    assert f"{bad.as_posix()}:{line_of(SAMPLE, '[4000, 4500]')}: price.range must go from low to high" in done.stderr


# --- recommend() -----------------------------------------------------------------------------------

# Every environment × data class, with a budget and enough people: the tool and the runner-up.
EXPECTED = {
    ("m365", "public"): ("suite-chat", "suite-office"),
    ("m365", "internal"): ("suite-chat", "suite-office"),
    ("m365", "personal"): ("suite-chat", "suite-office"),
    ("google", "public"): ("docs-ai", "chat-business"),
    ("google", "internal"): ("docs-ai", "chat-business"),
    ("google", "personal"): ("docs-ai", "chat-business"),
    ("none", "public"): ("chat-business", "chat-team"),
    ("none", "internal"): ("chat-business", "chat-team"),
    ("none", "personal"): ("chat-business", "chat-team"),
}


@pytest.mark.parametrize("environment", ENVIRONMENT_ANSWERS)
@pytest.mark.parametrize("data", DATA_ANSWERS)
def test_every_environment_and_data_class(environment: str, data: str) -> None:
    result = recommend(Answers(environment, data, headcount=10, budget="more"), sample())
    if data == "sensitive":
        assert result.tool is None and result.runner_up is None and result.keep_out
        assert result.reasons == () and result.checks == ()
        assert "要配慮個人情報" in result.advice[0].localized(str)
        return
    tool, runner_up = EXPECTED[(environment, data)]
    assert result.tool is not None and result.tool.id == tool
    assert result.runner_up is not None and result.runner_up.id == runner_up
    assert not result.keep_out
    assert result.table_checked == dt.date(2026, 12, 1)
    # Every reason names an answer and a table field; together they cover all four answers.
    assert {r.answer for r in result.reasons} == {"environment", "data", "headcount", "budget"}
    fields = {r.field for r in result.reasons}
    assert {"environment", "price", "min_seats"} <= fields
    assert ("training" in fields) == (data != "public")
    text = " ".join(m.localized(str) for m in result.checks)
    assert "https://vendor.example/page" in text
    assert ("第28条" in text) == (data == "personal")


@pytest.mark.parametrize("environment", ENVIRONMENT_ANSWERS)
@pytest.mark.parametrize("budget", list(BUDGETS))
def test_sensitive_personal_data_never_gets_a_tool(environment: str, budget: str) -> None:
    for table in (sample(), load_table(DEFAULT_PATH)):
        result = recommend(Answers(environment, "sensitive", 5, budget), table)
        assert result.tool is None and result.runner_up is None and result.keep_out
        assert candidates(Answers(environment, "sensitive", 5, budget), table) == []


@pytest.mark.parametrize("environment", ENVIRONMENT_ANSWERS)
@pytest.mark.parametrize("data", ("internal", "personal"))
@pytest.mark.parametrize("budget", list(BUDGETS))
def test_the_free_general_version_is_never_recommended_for_business_data(environment: str, data: str,
                                                                         budget: str) -> None:
    for table in (sample(), load_table(DEFAULT_PATH)):
        ranked = candidates(Answers(environment, data, 3, budget), table)
        assert all(t.type != "consumer" for t in ranked)


def test_no_budget_keeps_to_what_costs_nothing() -> None:
    table = sample()
    m365 = recommend(Answers("m365", "internal", 10, "none"), table)
    assert m365.tool is not None and m365.tool.id == "suite-chat"
    # The runner-up is what a budget would buy, and says so.
    assert m365.runner_up is not None and m365.runner_up.id == "suite-office"
    assert m365.runner_up_reason is not None and m365.runner_up_reason.field == "price"
    assert m365.runner_up_reason.message.localized(str) == ("The best fit if you set aside a budget: ¥4,000–4,500 "
                                                            "per person per month.")
    none = recommend(Answers("none", "internal", 10, "none"), table)
    assert none.tool is None and not none.keep_out
    assert none.runner_up is not None and none.runner_up.id == "chat-business"
    assert "No tool in the table" in none.advice[0].localized(str)
    public = recommend(Answers("none", "public", 10, "none"), table)
    assert public.tool is not None and public.tool.id == "free-ai"
    assert any("only for public information" in m.localized(str) for m in public.advice)


def test_a_price_band_above_the_budget_is_left_out() -> None:
    table = sample()
    # suite-office costs ¥4,000–4,500: over ¥3,000, within ¥5,000.
    assert [t.id for t in candidates(Answers("m365", "internal", 10, "up_to_3000"), table)][:2] == [
        "suite-chat", "chat-business"]
    assert [t.id for t in candidates(Answers("m365", "internal", 10, "up_to_5000"), table)][:2] == [
        "suite-chat", "suite-office"]
    result = recommend(Answers("none", "internal", 10, "up_to_3000"), table)
    price = next(r for r in result.reasons if r.field == "price").message.localized(str)
    assert price == ("Within your budget only at the low end of its band (¥3,000–3,750 per person per month "
                     "(converted from US$20–25 at ¥150 to the dollar: a rough guide)): compare annual and monthly "
                     "billing.")


def test_minimum_seats_rank_and_explain() -> None:
    table = sample()
    few = recommend(Answers("none", "internal", 3, "more"), table)
    assert few.tool is not None and few.tool.id == "chat-business"
    assert few.runner_up is not None and few.runner_up.id == "chat-team"
    assert few.runner_up_reason is not None and few.runner_up_reason.field == "min_seats"
    assert few.runner_up_reason.message.localized(str) == ("Second because its minimum of 5 seats is more than your "
                                                           "3 people.")
    one = recommend(Answers("none", "internal", 1, "more"), table)
    seats = next(r for r in one.reasons if r.field == "min_seats").message.localized(str)
    assert seats == "The plan needs at least 2 seats; with 1 people you pay for 2."


def test_the_shipped_table_recommends_for_each_environment() -> None:
    table = load_table(DEFAULT_PATH)
    picks = {env: recommend(Answers(env, "internal", 10, "up_to_5000"), table).tool for env in ENVIRONMENT_ANSWERS}
    assert all(t is not None for t in picks.values())
    assert picks["m365"].environment == "m365"  # type: ignore[union-attr]
    assert picks["google"].environment == "google"  # type: ignore[union-attr]
    assert picks["none"].environment == "any" and picks["none"].type == "chat"  # type: ignore[union-attr]


def test_a_missing_file_is_reported_not_crashed(tmp_path: Path) -> None:
    from lms.toolguide.table import TableInvalid, cached_table

    with pytest.raises(TableInvalid) as raised:
        cached_table(tmp_path / "tools.yaml")
    assert str(raised.value.errors[0]).startswith(f"{(tmp_path / 'tools.yaml').as_posix()}:1: cannot read the file")


def test_the_tool_selection_course_links_the_guide() -> None:
    overview = (ROOT / "courses" / "tool-sentei" / "course.md").read_text(encoding="utf-8")
    assert "/o/【会社番号】/tool-guide/" in overview and "AIツール選定ガイド" in overview


def test_answers_are_checked() -> None:
    with pytest.raises(ValueError):
        Answers("lotus", "internal", 10, "more")
    with pytest.raises(ValueError):
        Answers("m365", "internal", 0, "more")
    with pytest.raises(ValueError):
        Answers("m365", "secret", 10, "more")


def test_messages_translate_their_values_too() -> None:
    inner = Message("free of charge")  # type: ignore[arg-type]
    outer = Message("No extra cost: %(price)s.", {"price": inner})  # type: ignore[arg-type]
    assert outer.localized(lambda s: {"free of charge": "無料", "No extra cost: %(price)s.": "追加費用なし：%(price)s。"}
                           [s]) == "追加費用なし：無料。"


# --- the pilot kit ---------------------------------------------------------------------------------


def test_the_kit_has_three_tasks_and_the_reply_task_plants_a_personal_detail() -> None:
    assert [t.number for t in kit.TASKS] == [1, 2, 3]
    reply = kit.TASKS[0]
    found = {f.kind for f in pii.scan(reply.material)}
    assert "phone" in found  # the detail the tester must leave out
    assert "【担当者名】" in reply.leave_out
    for task in kit.TASKS:  # what the tester is told to ask holds nothing personal itself
        assert pii.scan(task.instruction) == []
        assert task.check
    assert len(kit.score_rows()) == len(kit.TASKS) * len(kit.CRITERIA)
