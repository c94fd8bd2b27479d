"""Write a course back to the folder format, byte for byte what sync reads."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Iterator

import sqlalchemy as sa

from lms.courses.models import Course, CourseAsset, CourseModule, Lesson
from lms.extensions import db


def course_files(course: Course) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of every file of the course's live content."""
    yield f"{course.slug}/course.md", course.raw.encode()
    modules = db.session.scalars(
        sa.select(CourseModule).where(CourseModule.course_id == course.id, CourseModule.is_archived.is_(False))
        .order_by(CourseModule.position)
    )
    for module in modules:
        base = f"{course.slug}/{module.dirname}"
        if module.raw is not None:
            yield f"{base}/module.md", module.raw.encode()
        lessons = db.session.scalars(
            sa.select(Lesson).where(Lesson.module_id == module.id, Lesson.is_archived.is_(False)).order_by(Lesson.position)
        )
        for lesson in lessons:
            if lesson.current_revision is not None:
                yield f"{base}/{lesson.filename}", lesson.current_revision.raw.encode()
    for asset in db.session.scalars(sa.select(CourseAsset).where(CourseAsset.course_id == course.id).order_by(CourseAsset.path)):
        yield str(PurePosixPath(course.slug) / "assets" / asset.path), asset.data


def export_zip(course: Course) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in course_files(course):
            archive.writestr(path, data)
    return buffer.getvalue()
