"""Import and export of the provider's own catalog (CSV/XLSX): stage and preview, then apply all or nothing.

The spreadsheet cases are `Usecase.IMPORT` cases; the files in usecases/ are
never touched by an import, and an id of a file case is refused
(`claimed_elsewhere`). The web pages and `flask usecases import/export` call
the same functions here; the audit record is written here, not in a view.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from xml.sax.saxutils import escape as xml_escape

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from lms.accounts.models import User
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.courses.models import Course, CourseModule, Lesson
from lms.courses.sync import Author
from lms.exercises.models import Exercise
from lms.extensions import db
from lms.usecases import catalog
from lms.usecases.catalog import CatalogFileError, LabelMaps, ParsedCatalog
from lms.usecases.models import CatalogImport, Usecase, UsecaseRevision
from lms.usecases.source import UsecaseSource
from lms.usecases.sync import ARCHIVED, CREATED, UNCHANGED, UPDATED, UsecaseReport, claimed_elsewhere, sync_usecases

PREVIEW_ROWS = 20
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CatalogAlreadyApplied(Exception):
    pass


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    archived: int


def labels() -> LabelMaps:
    """The code columns' labels; export writes the Japanese ones whatever the UI language."""
    with force_locale("ja"):
        return catalog.label_maps(gettext)


def known_links() -> tuple[frozenset[str], frozenset[str]]:
    """Live lessons as `course/module/lesson` (lesson aliases too) and live exercise slugs."""
    rows = db.session.execute(
        sa.select(Course.slug, CourseModule.slug, Lesson.slug, Lesson.aliases)
        .join(CourseModule, Lesson.module_id == CourseModule.id).join(Course, Lesson.course_id == Course.id)
        .where(Lesson.is_archived.is_(False), CourseModule.is_archived.is_(False), Course.is_archived.is_(False)))
    refs = frozenset(f"{c}/{m}/{name}" for c, m, slug, aliases in rows for name in (slug, *(aliases or [])))
    slugs = frozenset(db.session.scalars(sa.select(Exercise.slug).where(Exercise.is_archived.is_(False))))
    return refs, slugs


def check_file(data: bytes, filename: str, *, progress: Callable[[str], None] | None = None) -> ParsedCatalog:
    """Read and validate an uploaded catalog against the database; raises CatalogFileError (nothing written)."""
    lesson_refs, exercise_slugs = known_links()
    parsed = catalog.read_catalog(data, filename, labels(), lesson_refs=lesson_refs, exercise_slugs=exercise_slugs,
                                  progress=progress)
    if progress:
        progress(f"{len(parsed.sources)} row(s) read and checked")
    taken = catalog.across_problems(claimed_elsewhere(parsed.sources, Usecase.IMPORT), parsed)
    if taken:
        raise CatalogFileError(taken)
    return parsed


def plan(sources: list[UsecaseSource]) -> dict[str, Any]:
    """What applying `sources` would do (the matching of sync_usecases), counted, with the first rows."""
    existing = {slug: (content_hash, archived, aliases) for slug, content_hash, archived, aliases in db.session.execute(
        sa.select(Usecase.slug, Usecase.content_hash, Usecase.is_archived, Usecase.aliases)
        .where(Usecase.origin == Usecase.IMPORT))}
    by_alias = {alias: slug for slug, (_, _, aliases) in existing.items() for alias in (aliases or [])}
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    kept: set[str] = set()
    rows: list[dict[str, str]] = []
    for source in sources:
        slug = source.id if source.id in existing else next(
            (a for a in source.aliases if a in existing and a not in kept), None) or by_alias.get(source.id)
        if slug is None:
            status = CREATED
        else:
            kept.add(slug)
            content_hash, was_archived, _ = existing[slug]
            status = (UNCHANGED if slug == source.id and content_hash == source.content_hash and not was_archived
                      else UPDATED)
        counts[status] += 1
        if len(rows) < PREVIEW_ROWS:
            rows.append({"id": source.id, "title": source.title, "status": status})
    archived = sum(1 for slug, (_, is_archived, _) in existing.items() if slug not in kept and not is_archived)
    return {"created": counts[CREATED], "updated": counts[UPDATED], "unchanged": counts[UNCHANGED],
            "archived": archived, "total": len(sources), "rows": rows}


def stage_import(data: bytes, filename: str, *, actor: User) -> CatalogImport:
    """Check an uploaded catalog and keep it for the preview; raises CatalogFileError (nothing kept)."""
    parsed = check_file(data, filename)
    staged = CatalogImport(created_by_id=actor.id, filename=filename[:255], encoding=parsed.encoding, data=data,
                           summary=plan(parsed.sources))
    db.session.add(staged)
    db.session.flush()
    return staged


def apply_import(staged: CatalogImport, *, actor: User, archive_missing: bool) -> ImportSummary:
    """Write a staged catalog, checked again against the database as it is now. The caller commits.

    :raise CatalogAlreadyApplied:
    :raise CatalogFileError: something changed since the preview (a file case took an id, a lesson went).
    """
    if staged.applied_at is not None:
        raise CatalogAlreadyApplied()
    summary = import_catalog(staged.data, staged.filename, actor=actor, archive_missing=archive_missing)
    staged.applied_at = utcnow()
    return summary


def import_catalog(
    data: bytes, filename: str, *, actor: User | None, archive_missing: bool,
    progress: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Check and write a catalog file in the caller's transaction (flushes only); raises CatalogFileError."""
    parsed = check_file(data, filename, progress=progress)
    if progress:
        progress(f"writing {len(parsed.sources)} case(s) (each new or changed case's text is rendered) ...")
    label = actor.display_name if actor is not None else "import"
    reports = sync_usecases(parsed.sources, author=Author(actor.id if actor else None, f"import: {filename}"[:200]),
                            origin=Usecase.IMPORT, archive_missing=archive_missing)
    summary = _summary(reports)
    if progress:
        progress(f"written: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
                 f"{summary.archived} archived")
    record("usecases.catalog_imported", actor=actor, subject=filename[:200], created=summary.created,
           updated=summary.updated, unchanged=summary.unchanged, archived=summary.archived, by=label[:100])
    return summary


def _summary(reports: Iterable[UsecaseReport]) -> ImportSummary:
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, ARCHIVED: 0}
    for report in reports:
        counts[report.status] = counts.get(report.status, 0) + 1
    return ImportSummary(counts[CREATED], counts[UPDATED], counts[UNCHANGED], counts[ARCHIVED])


def live_counts() -> dict[str, int]:
    """Live cases by origin ("file", "import")."""
    rows = db.session.execute(sa.select(Usecase.origin, sa.func.count()).where(Usecase.is_archived.is_(False))
                              .group_by(Usecase.origin))
    return {origin: n for origin, n in rows}


# --- export ------------------------------------------------------------------------------------


def export_rows(*, every_case: bool = False) -> list[list[str]]:
    """The live spreadsheet cases (with `every_case`, the file cases too) as template rows, by id."""
    stmt = (sa.select(Usecase.slug, UsecaseRevision.parsed)
            .join(UsecaseRevision, Usecase.current_revision_id == UsecaseRevision.id)
            .where(Usecase.is_archived.is_(False)).order_by(Usecase.slug))
    if not every_case:
        stmt = stmt.where(Usecase.origin == Usecase.IMPORT)
    maps = labels()
    return [catalog.source_row(parsed, slug, maps) for slug, parsed in db.session.execute(stmt)]


def csv_bytes(rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with BOM and CRLF (Excel reads it); text Excel would run as a formula gets an apostrophe, which
    the import drops again."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(catalog.headers())
    for row in rows:
        writer.writerow(["'" + c if c.startswith(catalog.FORMULA_PREFIXES) else c for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[list[str]]) -> bytes:
    """One sheet: the bold header row, then a row per case, multi-line cells wrapped; first row and column frozen.

    Every cell is an inline string, so Excel never runs a cell as a formula and
    the import reads back exactly what was written. Written directly as
    SpreadsheetML (a few fixed parts and one sheet): openpyxl builds an object
    per cell and took about 5 ms a row, which is most of a 10,000-case export.
    """
    columns = [_letter(i) for i in range(len(catalog.COLUMNS))]
    widths = {"id": 24, "title": 36, "summary": 48, "steps": 48, "template": 60, "points": 40}
    cols = "".join(f'<col min="{i}" max="{i}" width="{widths.get(c.field, 20)}" customWidth="1"/>'
                   for i, c in enumerate(catalog.COLUMNS, start=1))
    parts = [_SHEET_START, f"<cols>{cols}</cols><sheetData>"]

    def add_row(number: int, values: list[str], header: bool = False) -> None:
        cells = []
        for letter, value in zip(columns, values, strict=False):
            if not value:
                continue
            style = 1 if header else (2 if "\n" in value else 0)
            cells.append(f'<c r="{letter}{number}" t="inlineStr"{f" s={chr(34)}{style}{chr(34)}" if style else ""}>'
                         f'<is><t xml:space="preserve">{xml_escape(value)}</t></is></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')

    add_row(1, catalog.headers(), header=True)
    for number, values in enumerate(rows, start=2):
        add_row(number, values)
    parts.append("</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in _PARTS.items():
            package.writestr(name, text)
        package.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return buffer.getvalue()


def _letter(index: int) -> str:
    """The column letters of a 0-based column index: A … Z, AA …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_START = (f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>'
                '</sheetView></sheetViews>')
_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>'
        '<sheet name="cases" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML}<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/></Relationships>'),
    # Styles: 0 plain, 1 bold (the header row), 2 wrapped and top-aligned (cells of several lines).
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


EXAMPLE_ROW: dict[str, str] = {
    "id": "shift-shitagaki", "title": "シフト表の下書きを作る",
    "summary": "スタッフの希望と店の条件から、翌月のシフト表のたたき台をAIに作らせ、店長が調整します。",
    "aliases": "", "industries": "小売業、飲食業", "departments": "店舗", "task_type": "データ集計・分析",
    "tools": "対話型の生成AI", "level": "はじめて", "risks": "", "data_class": "社内情報",
    "never_enter": "スタッフのフルネーム（A、Bなどの記号に置き換える）\n休みの理由（通院・家庭の事情など）",
    "checks": "労働時間と休憩が法令と就業規則の範囲か\n希望休がすべて反映されているか",
    "prerequisites": "会社で利用を認めたAIツールがある", "minutes": "60", "basis": "例", "source": "", "sources": "",
    "steps": "スタッフを記号（A〜F）に置き換え、希望休と勤務できる時間帯を表にまとめます。\n"
             "店の条件（時間帯ごとの必要人数、連勤の上限）を書き出します。\n"
             "ひな形に貼り付け、AIに表の下書きを作らせます。\n"
             "店長が最終調整し、記号を名前に戻して掲示します。",
    "template": "あなたは【業種】の店舗のシフト作成を手伝うアシスタントです。\n"
                "次の条件で【対象月】のシフト表の下書きを、表形式で作成してください。\n"
                "【スタッフの希望（記号で）】\n【時間帯ごとの必要人数】",
    "points": "- 飲食店では、ランチとディナーの必要人数を分けて書きます。", "lessons": "", "exercises": "",
    "checkin_task": "データ集計・分析",
}


def template_xlsx() -> bytes:
    """The column template: the header row and one example row."""
    return xlsx_bytes([[EXAMPLE_ROW[c.field] for c in catalog.COLUMNS]])
