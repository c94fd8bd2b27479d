"""Vendor usage imports: stage (read, match, plan; nothing written but the staged file) then apply all or nothing.

The web pages and `flask usage import` call the same functions. People are
matched by folded email within the one company; an address of anyone else
(another company's employee, someone unknown) is listed as unmatched and never
written. Row problems block the whole import. Applying the same file again
writes nothing ("nothing new"): telemetry rows are unique per (company, person,
week, source) and an unchanged week is left as it is.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service as adoption_service
from lms.audit.service import record
from lms.core import clock
from lms.core.clock import today, utcnow
from lms.core.tabular import TabularError, read_table
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.usage.models import UsageImport, UsageMapping, UsageTelemetry
from lms.usage.sources import (
    GENERIC, MAX_ROWS, ColumnMapping, ParsedUsage, Row, UsageFileError, UsageProblem, fold_email, header_row, parse_rows,
)

PREVIEW_ROWS = 20
UNMATCHED_LISTED = 50
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


class UsageAlreadyApplied(Exception):
    pass


@dataclass(frozen=True)
class ImportResult:
    new: int
    changed: int
    unchanged: int

    @property
    def nothing_new(self) -> bool:
        return self.new == 0 and self.changed == 0


def read_rows(data: bytes, filename: str) -> tuple[list[Row], str]:
    """The numbered rows of an upload and its encoding; raises UsageFileError when it cannot be read."""
    try:
        return read_table(data, filename, MAX_ROWS)
    except TabularError as exc:
        raise UsageFileError([UsageProblem(exc.code, exc.row_number)]) from None


def read_file(org: Organization, data: bytes, filename: str, kind: str, *,
              on: date | None = None) -> tuple[ParsedUsage, str, ColumnMapping | None]:
    """Read an upload as `kind` ("auto" detects it; a saved mapping of `org` reads its own format)."""
    rows, encoding = read_rows(data, filename)
    mapping = saved_mapping(org, header_row(rows)) if kind in ("auto", GENERIC) else None
    return parse_rows(rows, kind, on or today(), mapping), encoding, mapping


def _kept_rows(staged: UsageImport) -> list[Row]:
    return [(1, list(staged.headers))] + [(int(number), list(cells)) for number, cells in staged.raw_rows]


def reread(staged: UsageImport, *, on: date | None = None) -> ParsedUsage:
    """Parse a kept import again from its raw rows (after a parser fix, or to apply it)."""
    mapping = ColumnMapping(**staged.mapping) if staged.mapping else None
    return parse_rows(_kept_rows(staged), staged.source, on or today(), mapping)


# --- a company's own format ----------------------------------------------------------------------


def saved_mapping(org: Organization, headers: list[str]) -> ColumnMapping | None:
    """The company's most recent saved column mapping whose columns are all in `headers`."""
    stmt = in_org(sa.select(UsageMapping), org).order_by(UsageMapping.id.desc())
    for saved in db.session.scalars(stmt):
        mapping = ColumnMapping(saved.email_column, saved.date_column, saved.activity_column)
        if not mapping.missing(headers):
            return mapping
    return None


def stage_unmapped(org: Organization, data: bytes, filename: str, *, actor: User | None,
                   hint: UsageProblem | None = None) -> UsageImport:
    """Keep a file no vendor's header matches, so its admin can pick the columns; raises UsageFileError.

    `hint` (the vendor the file most resembles, and what it lacks) is shown beside the column choice.
    """
    rows, encoding = read_rows(data, filename)
    headers = header_row(rows)
    if len(rows) < 2:
        raise UsageFileError([UsageProblem("no_rows")])
    staged = UsageImport(
        org_id=org.id, created_by_id=actor.id if actor is not None else None, source=GENERIC,
        filename=filename[:255], encoding=encoding, content_hash=content_hash(data), headers=headers,
        raw_rows=[[n, cells[:len(headers)]] for n, cells in rows[1:]],
        summary={"problems": [], "hint": problem_dict(hint) if hint is not None else None},
        status=UsageImport.UNMAPPED,
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def map_columns(org: Organization, staged: UsageImport, mapping: ColumnMapping, *, actor: User | None) -> None:
    """Read a kept file with the columns its admin picked, save the mapping for next time, and plan the import.

    :raise UsageFileError: the file has no rows (nothing is saved).
    """
    parsed = parse_rows(_kept_rows(staged), GENERIC, today(), mapping)
    exists = db.session.scalar(in_org(sa.select(UsageMapping.id), org).where(
        UsageMapping.email_column == mapping.email, UsageMapping.date_column == mapping.date,
        UsageMapping.activity_column == mapping.activity))
    if exists is None:
        db.session.add(UsageMapping(org_id=org.id, created_by_id=actor.id if actor is not None else None,
                                    email_column=mapping.email, date_column=mapping.date,
                                    activity_column=mapping.activity))
    staged.mapping = mapping.as_dict()
    staged.summary = _summary(org, parsed, staged.content_hash)
    staged.status = UsageImport.STAGED
    db.session.flush()


def wants_columns(error: UsageFileError, kind: str) -> bool:
    """Whether a refused upload is a company's own format the admin may describe by its columns."""
    codes = {p.code for p in error.problems}
    return kind in ("auto", GENERIC) and codes in ({"unknown_source"}, {"no_mapping"})


def _summary(org: Organization, parsed: ParsedUsage, digest: str) -> dict[str, Any]:
    summary = plan(org, parsed)
    earlier = applied_before(org, digest)
    summary["applied_before"] = earlier.id if earlier is not None else None
    return summary


def _people(org: Organization) -> dict[str, int]:
    """The company's people by folded email."""
    rows = db.session.execute(in_org(sa.select(User.id, User.email), org))
    return {fold_email(email): user_id for user_id, email in rows}


def _existing(org: Organization, source: str, user_ids: set[int], weeks: set[date]) -> dict[tuple[int, date], UsageTelemetry]:
    if not user_ids:
        return {}
    stmt = in_org(sa.select(UsageTelemetry), org).where(
        UsageTelemetry.source == source, UsageTelemetry.user_id.in_(user_ids), UsageTelemetry.week_start.in_(weeks))
    return {(t.user_id, t.week_start): t for t in db.session.scalars(stmt)}


def _status(existing: UsageTelemetry | None, days: int, detail: dict[str, int]) -> str:
    if existing is None:
        return NEW
    return UNCHANGED if existing.active_days == days and existing.detail == detail else CHANGED


def plan(org: Organization, parsed: ParsedUsage) -> dict[str, Any]:
    """What applying `parsed` to `org` would do: matched and unmatched people, row problems, new/changed weeks."""
    people = _people(org)
    matched = [(people[w.email], w) for w in parsed.weeks if w.email in people]
    unmatched: dict[str, set[int]] = {}
    for week in parsed.weeks:
        if week.email not in people:
            unmatched.setdefault(week.email, set()).update(week.rows)
    existing = _existing(org, parsed.kind, {u for u, _ in matched}, {w.week for _, w in matched})
    counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
    preview: list[dict[str, Any]] = []
    for user_id, week in matched:
        status = _status(existing.get((user_id, week.week)), week.active_days, week.detail)
        counts[status] += 1
        if len(preview) < PREVIEW_ROWS:
            preview.append({"email": week.email, "week": week.week.isoformat(), "days": week.active_days,
                            "status": status})
    return {
        "source": parsed.kind, "rows": len(parsed.raw), "weeks": len(parsed.weeks),
        "matched_people": len({u for u, _ in matched}), "matched_weeks": len(matched),
        "unmatched_people": len(unmatched),
        "unmatched": [{"email": e, "rows": sorted(rows)[:10]} for e, rows in sorted(unmatched.items())[:UNMATCHED_LISTED]],
        "problems": [problem_dict(p) for p in parsed.problems],
        **counts, "preview": preview,
        "period": [min(w.week for w in parsed.weeks).isoformat(), max(w.week for w in parsed.weeks).isoformat()]
        if parsed.weeks else None,
    }


def problem_dict(problem: UsageProblem) -> dict[str, Any]:
    return {"code": problem.code, "row": problem.row, "column": problem.column, "value": problem.value,
            "source": problem.source}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def applied_before(org: Organization, digest: str) -> UsageImport | None:
    """The earlier applied import of the very same file, if any."""
    stmt = in_org(sa.select(UsageImport), org).where(
        UsageImport.content_hash == digest, UsageImport.status == UsageImport.APPLIED).order_by(UsageImport.id)
    return db.session.scalars(stmt).first()


def stage_import(org: Organization, data: bytes, filename: str, kind: str, *, actor: User | None) -> UsageImport:
    """Read, match and plan an uploaded export, and keep it (raw rows included) for the preview.

    :raise UsageFileError: the file cannot be read, is no known export, is another vendor's, or hides names.
    """
    parsed, encoding, mapping = read_file(org, data, filename, kind)
    digest = content_hash(data)
    staged = UsageImport(
        org_id=org.id, created_by_id=actor.id if actor is not None else None, source=parsed.kind,
        filename=filename[:255], encoding=encoding, content_hash=digest, headers=parsed.headers,
        raw_rows=[[n, cells] for n, cells in zip(parsed.row_numbers, parsed.raw, strict=True)],
        summary=_summary(org, parsed, digest), mapping=mapping.as_dict() if parsed.kind == GENERIC and mapping else None,
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def apply_import(org: Organization, staged: UsageImport, *, actor: User | None) -> ImportResult:
    """Write a staged import, read and matched again as things are now. The caller commits; flushes only.

    :raise UsageAlreadyApplied:
    :raise UsageFileError: the file has row problems (nothing is written).
    """
    if staged.status == UsageImport.APPLIED:
        raise UsageAlreadyApplied()
    if staged.status == UsageImport.UNMAPPED:
        raise UsageFileError([UsageProblem("no_mapping")])
    parsed = reread(staged)
    if parsed.problems:
        raise UsageFileError(parsed.problems)
    people = _people(org)
    matched = [(people[w.email], w) for w in parsed.weeks if w.email in people]
    existing = _existing(org, parsed.kind, {u for u, _ in matched}, {w.week for _, w in matched})
    counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
    now = utcnow()
    for user_id, week in matched:
        row = existing.get((user_id, week.week))
        status = _status(row, week.active_days, week.detail)
        counts[status] += 1
        if row is None:
            db.session.add(UsageTelemetry(org_id=org.id, user_id=user_id, week_start=week.week, source=parsed.kind,
                                          active_days=week.active_days, detail=week.detail, import_id=staged.id,
                                          updated_at=now))
        elif status == CHANGED:
            row.active_days, row.detail, row.import_id, row.updated_at = week.active_days, week.detail, staged.id, now
    staged.status = UsageImport.APPLIED
    staged.applied_at = now
    db.session.flush()
    changed_weeks = {week.week for user_id, week in matched}
    if counts[NEW] or counts[CHANGED]:
        adoption_service.telemetry_imported(org.id, changed_weeks)
    result = ImportResult(counts[NEW], counts[CHANGED], counts[UNCHANGED])
    record("usage.imported", actor=actor, org_id=org.id, subject=staged.filename[:200], source=parsed.kind,
           new=result.new, changed=result.changed, unchanged=result.unchanged,
           unmatched=staged.summary.get("unmatched_people", 0))
    return result


def recent_imports(org: Organization, limit: int = 20) -> list[UsageImport]:
    stmt = in_org(sa.select(UsageImport), org).order_by(UsageImport.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


# --- deleting an import --------------------------------------------------------------------------


def delete_import(org: Organization, doomed: UsageImport, *, actor: User | None, now: datetime | None = None,
                  reason: str = "deleted") -> int:
    """Remove an import; an applied one takes the telemetry it wrote with it. Flushes only; returns the weeks removed.

    A row another import wrote last (its `import_id` is that import's) stays as it is. A row this import wrote last
    goes back to what the latest other applied import of the same source says about that person and week, or goes
    away when none does; then the adoption figures of the touched weeks are rebuilt, as after an import.
    """
    removed = 0
    weeks: set[date] = set()
    if doomed.status == UsageImport.APPLIED:
        owned = in_org(sa.select(UsageTelemetry.user_id, UsageTelemetry.week_start), org, UsageTelemetry).where(
            UsageTelemetry.import_id == doomed.id)
        keys = {(user_id, week) for user_id, week in db.session.execute(owned)}
        db.session.execute(in_org(sa.delete(UsageTelemetry), org).where(UsageTelemetry.import_id == doomed.id))
        restored = _restore(org, doomed, keys, now or utcnow())
        removed = len(keys) - restored
        weeks = {week for _, week in keys}
    for other in db.session.scalars(in_org(sa.select(UsageImport), org).where(
            UsageImport.content_hash == doomed.content_hash, UsageImport.id != doomed.id)):
        if other.summary.get("applied_before") == doomed.id:  # "imported before" is no longer true
            other.summary = {**other.summary, "applied_before": None}
    record("usage.import_deleted", actor=actor, org_id=org.id, subject=doomed.filename[:200], source=doomed.source,
           status=doomed.status, reason=reason, weeks_removed=removed)
    db.session.delete(doomed)
    db.session.flush()
    if weeks:
        adoption_service.telemetry_imported(org.id, weeks, now)
    return removed


def _restore(org: Organization, doomed: UsageImport, keys: set[tuple[int, date]], now: datetime) -> int:
    """Write back what the other applied imports of `doomed`'s source say about `keys` (the latest one wins)."""
    if not keys:
        return 0
    first, last = min(week for _, week in keys), max(week for _, week in keys)
    others = in_org(sa.select(UsageImport), org).where(
        UsageImport.status == UsageImport.APPLIED, UsageImport.source == doomed.source, UsageImport.id != doomed.id,
    ).order_by(UsageImport.applied_at, UsageImport.id)
    people = _people(org)
    found: dict[tuple[int, date], tuple[int, int, dict[str, int]]] = {}
    for other in db.session.scalars(others):
        period = other.summary.get("period")
        if not period or date.fromisoformat(period[1]) < first or date.fromisoformat(period[0]) > last:
            continue
        parsed = reread(other)
        if parsed.problems:
            continue
        for week in parsed.weeks:
            user_id = people.get(week.email)
            if user_id is not None and (user_id, week.week) in keys:
                found[(user_id, week.week)] = (other.id, week.active_days, week.detail)
    if found:
        db.session.execute(sa.insert(UsageTelemetry), [
            {"org_id": org.id, "user_id": user_id, "week_start": week_start, "source": doomed.source,
             "active_days": days, "detail": detail, "import_id": import_id, "updated_at": now}
            for (user_id, week_start), (import_id, days, detail) in found.items()])
    return len(found)


# --- imports never confirmed ---------------------------------------------------------------------

STAGED_KEPT_DAYS = 7


def purge_staged(org: Organization, *, days: int = STAGED_KEPT_DAYS, now: datetime | None = None) -> list[UsageImport]:
    """Delete the company's imports left staged or unmapped for more than `days` days; returns them (deleted)."""
    cutoff = (now or clock.utcnow()) - timedelta(days=days)
    stale = list(db.session.scalars(in_org(sa.select(UsageImport), org).where(
        UsageImport.status.in_([UsageImport.STAGED, UsageImport.UNMAPPED]), UsageImport.created_at < cutoff,
    ).order_by(UsageImport.id)))
    for item in stale:
        delete_import(org, item, actor=None, now=now, reason="never_confirmed")
    return stale


# --- a company's saved column choices ------------------------------------------------------------


class MappingTaken(Exception):
    """The company already has a saved column choice with these three columns."""


def saved_mappings(org: Organization) -> list[UsageMapping]:
    return list(db.session.scalars(in_org(sa.select(UsageMapping), org).order_by(UsageMapping.id)))


def update_mapping(org: Organization, saved: UsageMapping, mapping: ColumnMapping, *, actor: User | None) -> None:
    """Change a saved column choice; flushes only.

    :raise MappingTaken: another saved choice of the company has the same three columns (nothing is changed).
    """
    before = {"email": saved.email_column, "date": saved.date_column, "activity": saved.activity_column}
    try:
        with db.session.begin_nested():  # the unique constraint decides, so two admins at once cannot both win
            saved.email_column, saved.date_column, saved.activity_column = mapping.email, mapping.date, mapping.activity
            db.session.flush()
    except sa.exc.IntegrityError:
        raise MappingTaken() from None
    record("usage.mapping_updated", actor=actor, org_id=org.id, subject=str(saved.id), before=before,
           after=mapping.as_dict())
    db.session.flush()


def delete_mapping(org: Organization, saved: UsageMapping, *, actor: User | None) -> None:
    """Forget a saved column choice (imports read with it keep their own copy of the columns); flushes only."""
    record("usage.mapping_deleted", actor=actor, org_id=org.id, subject=str(saved.id),
           columns={"email": saved.email_column, "date": saved.date_column, "activity": saved.activity_column})
    db.session.delete(saved)
    db.session.flush()
