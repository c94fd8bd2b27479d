"""The read-only use-case catalog (/o/<org>/cases/): live cases, industry first, filters, the case page."""
from __future__ import annotations

from typing import Any

from flask import Flask

from lms.accounts.roles import Role
from lms.extensions import db
from tests.usecaseworld import PLAIN, case_text, load_cases


def catalog(create_org: Any, create_user: Any) -> tuple[Any, Any]:
    """A construction company's employee, and four cases of which the last is archived."""
    org = create_org(industry="construction")
    user = create_user(org, roles=(Role.EMPLOYEE,))
    load_cases(
        shift_shitagaki=PLAIN,  # retail, food_service, accommodation, healthcare_welfare; 店舗, 介護; beginner
        anzen_nisshi=case_text("安全日誌を下書きする", industries="[construction]", departments="[施工]",
                               level="intermediate"),
        auto_followup=case_text("問い合わせに後追いメールを送る", industries="[all]", departments="[営業, 顧客対応]",
                                level="systematic", extra="risks:\n  - 誤送信 → 最初は人が承認する\n"),
        archived_one=case_text("ウェブ記事を書く", industries="[all]", departments="[マーケティング]"),
    )
    load_cases(shift_shitagaki=PLAIN, anzen_nisshi=case_text("安全日誌を下書きする", industries="[construction]",
                                                             departments="[施工]", level="intermediate"),
               auto_followup=case_text("問い合わせに後追いメールを送る", industries="[all]",
                                       departments="[営業, 顧客対応]", level="systematic",
                                       extra="risks:\n  - 誤送信 → 最初は人が承認する\n"))  # archives archived-one
    db.session.commit()
    return org, user


def titles(page: str) -> list[str]:
    """The known titles in the order the list shows them (recommendations above the list left out)."""
    page = page[page.find('<ul class="cards">'):] if '<ul class="cards">' in page else page
    found = []
    for title in ("シフト表の下書きを作る", "安全日誌を下書きする", "問い合わせに後追いメールを送る", "ウェブ記事を書く"):
        if title in page:
            found.append((page.index(title), title))
    return [t for _, t in sorted(found)]


def test_an_employee_sees_live_cases_their_industry_first(app: Flask, client: Any, create_org: Any, create_user: Any) -> None:
    org, user = catalog(create_org, create_user)
    client.login(user.email)
    response = client.get(f"/o/{org.id}/cases/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Construction and all-industry cases first (by title), then the rest; the archived case is gone.
    assert titles(page) == ["問い合わせに後追いメールを送る", "安全日誌を下書きする", "シフト表の下書きを作る"]
    assert "3件" in page or "3 cases" in page


def test_filters_by_industry_department_and_level(app: Flask, client: Any, create_org: Any, create_user: Any) -> None:
    org, user = catalog(create_org, create_user)
    client.login(user.email)
    base = f"/o/{org.id}/cases/"
    by_industry = client.get(base + "?industry=accommodation").get_data(as_text=True)
    assert titles(by_industry) == ["問い合わせに後追いメールを送る", "シフト表の下書きを作る"]  # "all" matches every industry
    by_department = client.get(base + "?department=介護").get_data(as_text=True)
    assert titles(by_department) == ["シフト表の下書きを作る"]
    by_level = client.get(base + "?level=systematic&department=営業").get_data(as_text=True)
    assert titles(by_level) == ["問い合わせに後追いメールを送る"]
    unknown = client.get(base + "?industry=farming&level=%00").status_code
    assert unknown in (200, 400)
    assert titles(client.get(base + "?industry=farming").get_data(as_text=True)) == titles(
        client.get(base).get_data(as_text=True))


def test_the_case_page_shows_steps_template_checks_and_the_example_figure(
    app: Flask, client: Any, create_org: Any, create_user: Any
) -> None:
    org, user = catalog(create_org, create_user)
    client.login(user.email)
    page = client.get(f"/o/{org.id}/cases/shift-shitagaki").get_data(as_text=True)
    assert "例：週60分" in page
    assert "スタッフを記号（A〜F）に置き換え" in page  # a step
    assert "【スタッフの希望（記号で）】" in page and 'readonly' in page  # the copyable template
    assert "希望休がすべて反映されているか" in page  # what to check
    assert "休みの理由（通院・家庭の事情など）" in page  # never enter
    assert "社内情報" in page  # the data class
    assert "夜勤明け" in page  # the notes


def test_a_cited_figure_is_not_labelled_example(app: Flask, client: Any, create_org: Any, create_user: Any) -> None:
    org = create_org()
    user = create_user(org)
    load_cases(cited=PLAIN.replace("time_saved: {minutes: 60, basis: example}",
                                   'time_saved: {minutes: 45, basis: cited, source: "調査報告書, https://example.org/r"}'))
    db.session.commit()
    client.login(user.email)
    page = client.get(f"/o/{org.id}/cases/cited").get_data(as_text=True)
    assert "週45分" in page and "例：週45分" not in page and "調査報告書" in page


def test_an_old_id_redirects_and_archived_or_unknown_cases_are_not_found(
    app: Flask, client: Any, create_org: Any, create_user: Any
) -> None:
    org, user = catalog(create_org, create_user)
    load_cases(shift_table=PLAIN.replace("title:", "aliases: [shift-shitagaki]\ntitle:"))
    db.session.commit()
    client.login(user.email)
    response = client.get(f"/o/{org.id}/cases/shift-shitagaki")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/o/{org.id}/cases/shift-table")
    assert client.get(f"/o/{org.id}/cases/archived-one").status_code == 404
    assert client.get(f"/o/{org.id}/cases/anzen-nisshi").status_code == 404  # archived by the last sync
    assert client.get(f"/o/{org.id}/cases/nothing-here").status_code == 404


def test_the_case_links_to_its_lessons(app: Flask, client: Any, create_org: Any, create_user: Any, sync_course: Any) -> None:
    org = create_org()
    user = create_user(org)
    sync_course()
    load_cases(linked=PLAIN.replace("checkin_task: data\n", "checkin_task: data\nlessons: [kiso/hajimeni/towa, kiso/hajimeni/gone]\n"))
    db.session.commit()
    client.login(user.email)
    page = client.get(f"/o/{org.id}/cases/linked").get_data(as_text=True)
    assert f'href="/o/{org.id}/learn/kiso/hajimeni/towa"' in page and "kiso/hajimeni/gone" not in page


def test_executives_and_org_admins_read_it_and_employees_have_it_in_the_nav(
    app: Flask, client: Any, create_org: Any, create_user: Any
) -> None:
    org, user = catalog(create_org, create_user)
    executive = create_user(org, roles=(Role.EXECUTIVE,))
    admin = create_user(org, roles=(Role.ORG_ADMIN,))
    for person in (executive, admin):
        other = app.test_client()
        other.login(person.email)
        assert other.get(f"/o/{org.id}/cases/").status_code == 200
        assert other.get(f"/o/{org.id}/cases/shift-shitagaki").status_code == 200
    client.login(user.email)
    home = client.get(f"/o/{org.id}/cases/").get_data(as_text=True)
    assert f'href="/o/{org.id}/cases/"' in home and "活用事例" in home


def test_a_long_catalog_is_paged(app: Flask, client: Any, create_org: Any, create_user: Any) -> None:
    from tests.usecaseworld import parsed
    from lms.courses.sync import Author
    from lms.usecases.queries import PAGE_SIZE
    from lms.usecases.sync import sync_usecases

    org = create_org()
    user = create_user(org)
    sync_usecases([parsed(f"case-{n:03d}", case_text(f"事例{n:03d}を作る")) for n in range(PAGE_SIZE + 5)],
                  author=Author(None, "test"))
    db.session.commit()
    client.login(user.email)
    first = client.get(f"/o/{org.id}/cases/").get_data(as_text=True)
    assert "事例000を作る" in first and f"事例{PAGE_SIZE:03d}を作る" not in first and f"{PAGE_SIZE + 5}件" in first
    second = client.get(f"/o/{org.id}/cases/?page=2").get_data(as_text=True)
    assert f"事例{PAGE_SIZE:03d}を作る" in second and "事例000を作る" not in second
    beyond = client.get(f"/o/{org.id}/cases/?page=99999999999").get_data(as_text=True)
    assert "事例000を作る" in beyond  # a page number out of range shows the first page


def test_facet_counts_follow_the_catalog_when_it_changes(app: Flask, create_org: Any, create_user: Any) -> None:
    """The unfiltered counts are kept a process under the catalog's token: a sync must show in them at once."""
    from lms.usecases import queries

    catalog(create_org, create_user)
    before = queries.live_cases(queries.Filters(), None)
    assert before.total == 3 and before.facets["department"].get("経理") is None
    assert queries.live_cases(queries.Filters(), None).facets == before.facets  # the same counts, kept
    load_cases(shift_shitagaki=PLAIN, keihi=case_text("経費の仕訳を下書きする", industries="[all]", departments="[経理]"))
    after = queries.live_cases(queries.Filters(), None)
    assert after.total == 2  # the file set replaced: two live cases
    assert after.facets["department"]["経理"] == 1 and "施工" not in after.facets["department"]


def test_the_rendered_list_follows_the_catalog_and_is_the_companys_own(
        app: Flask, client: Any, create_org: Any, create_user: Any) -> None:
    """The list part of the page is kept rendered per catalog version: a sync shows at once, and another
    company (another industry, its own links) or another language gets its own."""
    org, user = catalog(create_org, create_user)
    client.login(user.email)
    first = client.get(f"/o/{org.id}/cases/").get_data(as_text=True)
    assert client.get(f"/o/{org.id}/cases/").get_data(as_text=True) == first  # kept, byte for byte
    assert titles(first) == ["問い合わせに後追いメールを送る", "安全日誌を下書きする", "シフト表の下書きを作る"]

    retailer = create_org(industry="retail")
    other = create_user(retailer, roles=(Role.EMPLOYEE,), email="retail@example.jp")
    client.logout()
    client.login(other.email)
    theirs = client.get(f"/o/{retailer.id}/cases/").get_data(as_text=True)
    assert titles(theirs)[0] == "シフト表の下書きを作る"  # a retailer's industry first
    assert f"/o/{retailer.id}/cases/shift-shitagaki" in theirs and f"/o/{org.id}/cases/" not in theirs
    other.locale = "en"
    db.session.commit()
    english = client.get(f"/o/{retailer.id}/cases/").get_data(as_text=True)
    assert "Narrow down" in english and "絞り込む" not in english

    load_cases(shift_shitagaki=PLAIN, keihi=case_text("経費の仕訳を下書きする", industries="[all]", departments="[経理]"))
    after = client.get(f"/o/{retailer.id}/cases/").get_data(as_text=True)
    assert "経費の仕訳を下書きする" in after and "安全日誌を下書きする" not in after
