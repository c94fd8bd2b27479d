from typing import Any

import pytest
import sqlalchemy as sa

from lms.courses.models import Course, CourseAsset
from lms.extensions import db


@pytest.fixture
def signed_in(client: Any, sync_course: Any, create_org: Any, create_user: Any) -> Any:
    sync_course()
    create_user(create_org(), email="emp@example.jp")
    client.login("emp@example.jp")
    return client


def _add_asset(path: str, data: bytes, content_type: str) -> None:
    course = db.session.scalar(sa.select(Course))
    db.session.add(CourseAsset(course_id=course.id, path=path, data=data, content_type=content_type, content_hash="x" + path))
    db.session.commit()


def test_an_image_is_served_with_its_type(signed_in: Any) -> None:
    response = signed_in.get("/courses/kiso/assets/flow.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_assets_need_a_signed_in_person(client: Any, sync_course: Any) -> None:
    sync_course()
    assert client.get("/courses/kiso/assets/flow.png").status_code == 302


@pytest.mark.parametrize("path", ["../course.md", "..%2Fcourse.md", "/etc/passwd", "01-hajimeni/01-towa.md", "%2e%2e/%2e%2e/etc/passwd"])
def test_no_path_leaves_the_assets(signed_in: Any, path: str) -> None:
    assert signed_in.get(f"/courses/kiso/assets/{path}", follow_redirects=True).status_code == 404


def test_svg_is_only_a_sandboxed_download(signed_in: Any) -> None:
    _add_asset("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml")
    response = signed_in.get("/courses/kiso/assets/evil.svg")
    assert response.headers["Content-Disposition"] == "attachment"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "script" not in response.headers["Content-Security-Policy"]


def test_html_assets_are_downloads_not_pages(signed_in: Any) -> None:
    _add_asset("page.html", b"<script>alert(1)</script>", "text/html; charset=utf-8")
    assert signed_in.get("/courses/kiso/assets/page.html").headers["Content-Disposition"] == "attachment"


def test_assets_can_be_cached_by_etag(signed_in: Any) -> None:
    first = signed_in.get("/courses/kiso/assets/flow.png")
    again = signed_in.get("/courses/kiso/assets/flow.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
