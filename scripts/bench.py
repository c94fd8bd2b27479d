"""Benchmarks, printed as figures (`make bench`). Nothing here asserts a time.

1. `flask courses sync` of a generated tree of 1,000 lessons: cold, then a no-op run.
2. Requests per second of a signed-in lesson page under gunicorn, next to a bare
   Flask route under the same gunicorn settings, in the same run.
3. The executive adoption dashboard: `flask adoption generate` of 3, then 300 companies
   of 100 employees with 104 weeks of check-ins (about 3 million at most), and the
   median and p95 latency of the signed-in dashboard at each size, in-process, and of the JSON
   API's adoption summary (GET /api/v1/adoption/summary with a bearer token) beside it.
   At each size, the `refresh_rollups` job too: its run time, and the longest time any of its
   transactions held the write lock (from its first INSERT/UPDATE/DELETE to its COMMIT).

4. Server CPU per request (time.process_time around the WSGI call, in this process) and SQL
   statements per request of the signed-in lesson page (second visit, by an employee in a
   cohort), the exercise player's writing step (after two prompts), the course page and the
   employee home, next to a bare Flask route returning the lesson page's bytes, measured in the
   same run, alternating.

5. The personal-data guard (lms/core/pii.py): median and p95 time of `scan` over a realistic
   4,000-character prompt (the shipped lessons' example prompts with a paragraph of planted
   customer data and five exercise secrets), in this process; and how many findings it reports
   in the shipped lessons' example prompts (scripts/pii_false_positives.py).

6. The rubric engine: p50 and p95 of `lms.exercises.rubric.evaluate` (rubric and personal-data
   guard together) on a 4,000-character prompt, in this process, for the format's example
   exercise and for a rubric using every check kind and element.

7. `flask usecases sync` of 1,000 generated use-case files (the format's example, varied): cold,
   a no-op run, `--check`, and a run after 100 files changed; wall time and the command's CPU time
   (steadier than wall time when the machine is busy).

8. The provider's catalog as a spreadsheet: `flask usecases import` of a generated 10,000-row XLSX
   (every row's text differs, so each case's Markdown is rendered): --check (read + validate), the
   import (read + validate + write), a no-op re-import; then `flask usecases export` to XLSX and CSV;
   and, in this process, read + validate alone and the Markdown rendering a write does (the main cost).

9. Use-case search (lms/usecases/search.py) at 10,000 cases: `flask usecases generate --count 10000`
   (fictional cases), then p50 and p95 wall time of `search()` over 30 Japanese queries, in this
   process, on SQLite and, when the PostgreSQL server binaries are installed, again on a throwaway
   PostgreSQL server (scripts/postgres.sh) in a child run of this section.
   The catalog page's server CPU and SQL statements are in section 4 (pages), beside the lesson page.

10. The training-hours record (lms/cohorts/hours.py) of a cohort of 100 members (ai-kiso and
    prompt-jissen, 8 weekly sessions; every member has done every lesson and exercise and attended
    every session): p50 and p95 of building the report, its SQL statements, and of the XLSX download
    request (server CPU, in this process).

11. Vendor usage imports (lms/usage): a company of 1,000 employees, then `flask usage import` of a generated
    5,000-row Claude Enterprise analytics CSV (1,000 people x 5 days) and a 5,000-row Viva Insights person
    query (1,000 people x 5 weeks): --check (read + detect + match), the import (one transaction), and a
    re-import of the same file (nothing new); wall time including the interpreter and app start. In this
    process: staging and applying apart, and deleting an applied 5,000-row import with and without another
    import of the same weeks to fall back on.

`--only sync|requests|adoption|pages|pii|rubric|usecases|catalog|search|hours|usage` runs one section (repeat it for several).

Everything runs against a throwaway SQLite database in a temporary folder,
unless LMS_DATABASE_URL is set (e.g. by scripts/postgres.sh), in which case
that database must be empty.
"""
from __future__ import annotations

import argparse
import dataclasses
import http.client
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/")
def index():
    return "ok"
'''

LESSON = """---
title: 第{m}章 レッスン{l}
minutes: 8
---

## ねらい

このレッスンでは、生成AIに**議事録の下書き**を頼む手順を練習します。[^1]

| 手順 | 内容 |
| --- | --- |
| 1 | 会議のメモを貼り付けます |
| 2 | 出力形式を指定します |
| 3 | 数字と固有名詞を確認します |

```text
あなたは総務担当者です。次のメモから議事録を作成してください。
```

!!! note "確認"
    出力はそのまま使わず、必ず人が確認します。

[^1]: 架空の会社の例です。
"""

QUIZ = """---
title: 第{m}章 確認テスト
kind: quiz
minutes: 5
---

```quiz
? 生成AIに入力してはいけない情報はどれですか。
- [ ] 公開済みの製品カタログ
- [x] 顧客の氏名と電話番号
> 個人情報は入力しません。

? 出力を使う前に確認することを全て選んでください。
- [x] 数字
- [x] 固有名詞
- [ ] 文字の色
> 事実を確かめます。

? 議事録の下書きで指定するとよいものはどれですか。
- [x] 出力形式
- [ ] 好きな色
> 形式を指定すると手直しが減ります。
```
"""


def generate_tree(root: Path, courses: int = 10, modules: int = 10, lessons: int = 10) -> int:
    """courses × modules × lessons lessons; the last lesson of each module is a quiz."""
    count = 0
    for c in range(1, courses + 1):
        course = root / f"bench-{c:02d}"
        course.mkdir(parents=True)
        (course / "course.md").write_text(
            f"---\ntitle: ベンチマーク講座{c}\nsummary: 計測用の講座です\nindustries: [all]\n---\n\n概要です。\n"
        )
        for m in range(1, modules + 1):
            module = course / f"{m:02d}-dai{m}sho"
            module.mkdir()
            (module / "module.md").write_text(f"---\ntitle: 第{m}章\nweek: {min(m, 8)}\n---\n")
            for lesson in range(1, lessons + 1):
                template = QUIZ if lesson == lessons else LESSON
                (module / f"{lesson:02d}-lesson{lesson}.md").write_text(template.format(m=m, l=lesson))
                count += 1
    return count


def flask(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Runs `flask --app lms ...` as trainers do; returns (seconds, last line of output)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms", *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return elapsed, lines[-1] if lines else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], app: str, workers: int, cwd: Path) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        cwd=cwd, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    sys.exit(f"gunicorn {app} exited with status {process.returncode}")
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn {app} did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


class Session:
    """A tiny cookie-keeping HTTP client, enough to sign in through the real form."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def sign_in(self, email: str, password: str) -> str:
        _, _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token is None:
            sys.exit("no csrf_token on /login")
        status, headers, _ = self.request("POST", "/login", {"csrf_token": token.group(1), "email": email, "password": password})
        if status != 302:
            sys.exit(f"sign-in as {email} answered {status}")
        return headers["location"]


def load(port: int, path: str, cookies: dict[str, str], seconds: float, threads: int) -> tuple[float, float, int]:
    """(requests per second, median latency in ms, non-200 answers) with `threads` clients looping."""
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal failures
        mine: list[float] = []
        bad = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": header})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            bad += response.status != 200
            if response.getheader("connection", "").lower() == "close":
                connection.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, failures


SECTIONS = ("sync", "requests", "adoption", "pages", "pii", "rubric", "usecases", "catalog", "search", "hours", "usage")


def bench_sync(env: dict[str, str], work: Path) -> None:
    tree = work / "tree"
    lessons = generate_tree(tree)
    startup, _ = flask(env, "courses", "--help")
    cold, cold_line = flask(env, "courses", "sync", str(tree))
    noop, noop_line = flask(env, "courses", "sync", str(tree))
    check, _ = flask(env, "courses", "sync", "--check", str(tree))
    print(f"\nsync of {lessons} lessons in 10 courses (wall time, including {startup:.2f} s of interpreter and app start):")
    print(f"  cold        {cold:7.2f} s   ({lessons / cold:6.0f} lessons/s)   {cold_line}")
    print(f"  no-op       {noop:7.2f} s   ({lessons / noop:6.0f} lessons/s)   {noop_line}")
    print(f"  --check     {check:7.2f} s   ({lessons / check:6.0f} lessons/s)", flush=True)


def generate_usecases(folder: Path, count: int = 1000, changed: int = 0) -> None:
    """`count` valid case files made from the format's example; the first `changed` get a different summary."""
    example = (ROOT / "tests" / "data" / "usecases" / "shift-shitagaki.md").read_text(encoding="utf-8")
    example = example.replace("lessons: [ws-kouri/mise-no-shigoto/shift]\n", "").replace("exercises: [kouri-shift]\n", "")
    industries = ("retail", "construction", "manufacturing", "accommodation", "agriculture", "logistics", "all")
    departments = ("店舗", "施工", "製造", "経理", "総務", "営業", "介護")
    levels = ("beginner", "intermediate")
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        text = example.replace("title: シフト表の下書きを作る", f"title: 事例{n:04d}の下書きを作る")
        text = text.replace("industries: [retail, food_service, accommodation, healthcare_welfare]",
                            f"industries: [{industries[n % 7]}, {industries[(n + 3) % 7]}]")
        text = text.replace("departments: [店舗, 介護]", f"departments: [{departments[n % 7]}]")
        text = text.replace("level: beginner", f"level: {levels[n % 2]}")
        if n < changed:
            text = text.replace("summary: スタッフの希望", "summary: 変更後。スタッフの希望")
        (folder / f"case-{n:04d}.md").write_text(text, encoding="utf-8")


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far: steadier than wall time on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_usecases(env: dict[str, str], work: Path) -> None:
    folder = work / "usecases"
    empty = work / "no-links"
    empty.mkdir()
    generate_usecases(folder)
    links = ["--courses", str(empty), "--exercises", str(empty)]
    cpu: list[float] = []

    def timed(*args: str) -> tuple[float, str]:
        before = _children_cpu()
        outcome = flask(env, *args)
        cpu.append(_children_cpu() - before)
        return outcome

    startup, _ = timed("usecases", "--help")
    cold, cold_line = timed("usecases", "sync", str(folder), *links)
    noop, noop_line = timed("usecases", "sync", str(folder), *links)
    check, _ = timed("usecases", "sync", "--check", str(folder), *links)
    generate_usecases(folder, changed=100)
    changed, changed_line = timed("usecases", "sync", str(folder), *links)
    print(f"\nsync of 1,000 use-case files (wall time, including {startup:.2f} s of interpreter and app start; "
          f"CPU time of the command, {cpu[0]:.2f} s of it to start):")
    print(f"  cold        {cold:7.2f} s   CPU {cpu[1]:5.2f} s   {cold_line}")
    print(f"  no-op       {noop:7.2f} s   CPU {cpu[2]:5.2f} s   {noop_line}")
    print(f"  --check     {check:7.2f} s   CPU {cpu[3]:5.2f} s")
    print(f"  100 changed {changed:7.2f} s   CPU {cpu[4]:5.2f} s   {changed_line}", flush=True)


def generate_catalog(file: Path, count: int = 10_000) -> None:
    """A catalog spreadsheet of `count` cases made from the template's example, every row's text different."""
    from openpyxl import Workbook

    from lms.usecases import catalog
    from lms.usecases.catalog_import import EXAMPLE_ROW

    industries = ("小売業", "建設業", "製造業", "宿泊業", "農業", "運輸・物流", "全業種")
    departments = ("店舗", "施工", "製造", "経理", "総務", "営業", "介護")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(catalog.headers())
    for n in range(count):
        row = dict(EXAMPLE_ROW, id=f"row-{n:05d}", title=f"業務{n:05d}の下書きを作る",
                   summary=f"{n}番目の業務について、AIに下書きを作らせて担当者が確認します。",
                   industries=f"{industries[n % 7]}、{industries[(n + 3) % 7]}", departments=departments[n % 7],
                   level=("はじめて", "慣れてきたら")[n % 2],
                   steps="\n".join(f"{n}番の手順{i}: **確認**しながら進めます。" for i in range(1, 4 + n % 4)),
                   points=f"- {n}番の事例では【対象】を書き換えます。\n- 業種ごとの違いを確かめます。")
        sheet.append([row[c.field] for c in catalog.COLUMNS])
    workbook.save(file)


def bench_catalog(env: dict[str, str], work: Path) -> None:
    file = work / "catalog.xlsx"
    started = time.perf_counter()
    generate_catalog(file)
    generated = time.perf_counter() - started
    startup, _ = flask(env, "usecases", "--help")
    check, check_line = flask(env, "usecases", "import", str(file), "--check")
    cold, cold_line = flask(env, "usecases", "import", str(file))
    noop, noop_line = flask(env, "usecases", "import", str(file))
    to_xlsx, xlsx_line = flask(env, "usecases", "export", str(work / "out.xlsx"))
    to_csv, _ = flask(env, "usecases", "export", str(work / "out.csv"))
    size = file.stat().st_size / 1e6
    print(f"\nimport of a 10,000-row catalog spreadsheet (.xlsx, {size:.1f} MB, generated in {generated:.1f} s; wall time,\n"
          f"including {startup:.2f} s of interpreter and app start):")
    print(f"  read + validate (--check)  {check:7.2f} s   {check_line}")
    print(f"  read + validate + write    {cold:7.2f} s   {cold_line}")
    print(f"  re-import, nothing changed {noop:7.2f} s   {noop_line}")
    print(f"  export to .xlsx            {to_xlsx:7.2f} s   {xlsx_line}")
    print(f"  export to .csv             {to_csv:7.2f} s", flush=True)
    app = _in_process_app(env)
    with app.app_context():
        from lms.content.markdown import render_markdown
        from lms.usecases import catalog_import

        started = time.perf_counter()
        sources = catalog_import.check_file(file.read_bytes(), file.name).sources
        checked = time.perf_counter() - started
        started = time.perf_counter()
        for source in sources:
            render_markdown(source.body)
            render_markdown(source.points)
        rendered = time.perf_counter() - started
    print(f"  in this process: read + validate {checked:.2f} s; Markdown rendering of the cases' body and points "
          f"(what a write renders) {rendered:.2f} s", flush=True)


def _usage_company(app, people: int) -> int:  # type: ignore[no-untyped-def]
    """A company of `people` employees with addresses u00000@usage.bench.example ...; its id."""
    from datetime import datetime, timezone

    import sqlalchemy as sa

    from lms.accounts.models import User, UserRole
    from lms.accounts.roles import Role
    from lms.extensions import db
    from lms.orgs.models import Organization

    with app.app_context():
        org = Organization(name=f"計測用 利用データ {datetime.now(timezone.utc):%H%M%S}", industry="manufacturing",
                           employee_band="1000+", prefecture=13)
        db.session.add(org)
        db.session.flush()
        db.session.execute(sa.insert(User), [
            {"org_id": org.id, "email": f"u{n:05d}.{org.id}@usage.bench.example", "display_name": f"計測 {n}",
             "name_key": f"けいそく {n:05d}", "locale": "ja"} for n in range(people)])
        ids = db.session.scalars(sa.select(User.id).where(User.email.like(f"%.{org.id}@usage.bench.example")))
        db.session.execute(sa.insert(UserRole), [{"user_id": i, "role": Role.EMPLOYEE.value} for i in ids])
        db.session.commit()
        return int(org.id)


def _usage_files(work: Path, org_id: int) -> tuple[Path, Path]:
    """A 5,000-row Claude analytics CSV (1,000 people x 5 days) and a 5,000-row Viva person query (x 5 weeks)."""
    import csv
    from datetime import date, timedelta

    claude = work / f"claude-{org_id}.csv"
    with claude.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "user.email_address", "chat_metrics.distinct_conversation_count",
                         "chat_metrics.message_count", "web_search_count"])
        for n in range(1000):
            for day in range(5):
                writer.writerow([f"2026-11-{23 + day}", f"u{n:05d}.{org_id}@usage.bench.example", day % 3,
                                 (n + day) % 7, day % 2])
    viva = work / f"viva-{org_id}.csv"
    with viva.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["PersonId", "MetricDate", "Total Copilot active days", "Days of active Copilot usage in Word",
                         "Days of active Copilot chat (work) usage", "Organization"])
        for n in range(1000):
            for week in range(5):
                sunday = date(2026, 10, 25) + timedelta(weeks=week)  # Viva weeks start on Sunday
                writer.writerow([f"u{n:05d}.{org_id}@usage.bench.example", sunday.isoformat(), (n + week) % 6,
                                 week % 3, n % 2, "営業部"])
    return claude, viva


def bench_usage(env: dict[str, str], work: Path) -> None:
    app = _in_process_app(env)
    org_id = _usage_company(app, 1000)
    claude, viva = _usage_files(work, org_id)
    startup, _ = flask(env, "usage", "--help")
    print(f"\nvendor usage import into a company of 1,000 employees (wall time, including {startup:.2f} s of "
          f"interpreter and app start):")
    for name, file in (("Claude analytics, 5,000 rows", claude), ("Viva person query, 5,000 rows", viva)):
        org = str(org_id)
        check, check_line = flask(env, "usage", "import", "--org", org, "--check", str(file))
        cold, cold_line = flask(env, "usage", "import", "--org", org, str(file))
        noop, noop_line = flask(env, "usage", "import", "--org", org, str(file))
        print(f"  {name}:")
        print(f"    read + detect + match (--check) {check:6.2f} s   {check_line}")
        print(f"    import (one transaction)        {cold:6.2f} s   {cold_line}")
        print(f"    the same file again             {noop:6.2f} s   {noop_line}", flush=True)
    # In this process, into a fresh company: staging (read, parse, match, plan) apart from applying (telemetry
    # rows and the adoption rollups of the weeks), without the interpreter's start.
    fresh = _usage_company(app, 1000)
    _, viva = _usage_files(work, fresh)
    with app.app_context():
        from lms.extensions import db
        from lms.orgs.models import Organization
        from lms.usage import service

        org_row = db.session.get(Organization, fresh)
        started = time.perf_counter()
        staged = service.stage_import(org_row, viva.read_bytes(), viva.name, "auto", actor=None)
        staging = time.perf_counter() - started
        started = time.perf_counter()
        service.apply_import(org_row, staged, actor=None)
        staged_id = staged.id
        db.session.commit()
        applying = time.perf_counter() - started
    print(f"  in this process, Viva 5,000 rows into a fresh company: stage (read + parse + match + plan) "
          f"{staging:.2f} s, apply (5,000 telemetry rows + rollups) {applying:.2f} s", flush=True)
    # Deleting: a second Viva file with every week's figure changed takes over all 5,000 rows; deleting it
    # re-reads the first file and writes its figures back; deleting the first then removes them.
    import csv
    import io

    lines = list(csv.reader(io.StringIO(viva.read_text(encoding="utf-8-sig"))))
    changed = io.StringIO()
    csv.writer(changed).writerows([lines[0], *([*r[:2], str((int(r[2]) + 1) % 8), *r[3:]] for r in lines[1:])])
    with app.app_context():
        org_row = db.session.get(Organization, fresh)
        first = db.session.get(type(staged), staged_id)
        second = service.stage_import(org_row, changed.getvalue().encode(), "viva-changed.csv", "auto", actor=None)
        service.apply_import(org_row, second, actor=None)
        db.session.commit()
        started = time.perf_counter()
        service.delete_import(org_row, second, actor=None)
        db.session.commit()
        restoring = time.perf_counter() - started
        started = time.perf_counter()
        service.delete_import(org_row, first, actor=None)
        db.session.commit()
        removing = time.perf_counter() - started
    print(f"  deleting an applied Viva import of 5,000 rows: when another import has those weeks (5,000 rows "
          f"re-read and written back + rollups) {restoring:.2f} s; when none has (5,000 rows removed + rollups) "
          f"{removing:.2f} s", flush=True)


def bench_requests(env: dict[str, str], work: Path, args: argparse.Namespace) -> None:
    flask(env, "demo")
    flask(env, "courses", "sync", str(ROOT / "courses"))

    (work / "bare.py").write_text(BARE_APP)
    bare_env = {**env, "PYTHONPATH": str(work)}
    with gunicorn(bare_env, "bare:app", args.workers, work) as port:
        bare = load(port, "/", {}, args.seconds, args.threads)
    with gunicorn(env, "wsgi:app", args.workers, ROOT) as port:
        session = Session(port)
        session.sign_in("yoko.tanaka@minato-seiko.example", "lms-demo-2026")
        _, _, home = session.request("GET", "/")
        org = re.search(r'href="/o/(\d+)/', home)
        if org is None:
            sys.exit("the employee's home page links to no company page")
        course = f"/o/{org.group(1)}/learn/ai-kiso/"
        _, _, outline = session.request("GET", course)
        first = re.search(rf'href="({re.escape(course)}[^"/]+/[^"/]+)"', outline)
        if first is None:
            sys.exit(f"{course} links to no lesson")
        path = first.group(1)
        status, _, page = session.request("GET", path)
        if status != 200 or "生成AI" not in page:
            sys.exit(f"{path} answered {status}")
        lesson = load(port, path, session.cookies, args.seconds, args.threads)
    print("\nrequests per second under gunicorn (sync workers):")
    for name, (rate, median, failed) in (("bare Flask route", bare), ("signed-in lesson page", lesson)):
        note = f", {failed} non-200" if failed else ""
        print(f"  {name:22s} {rate:8.0f} req/s   median {median:6.1f} ms{note}")
    print(f"  lesson page / bare route: {lesson[0] / bare[0]:.0%}")
    print("  (the load generator runs on the same machine and shares its CPUs)", flush=True)


class WsgiMeter:
    """WSGI middleware: process CPU time and SQL statements per request (COMMITs counted apart)."""

    def __init__(self, wsgi_app, engine=None) -> None:  # type: ignore[no-untyped-def]
        self.wsgi_app = wsgi_app
        self.cpu = 0.0
        self.statements = 0
        self.commits = 0
        if engine is not None:
            import sqlalchemy as sa

            sa.event.listen(engine, "before_cursor_execute", self._statement)
            sa.event.listen(engine, "commit", self._commit)

    def _statement(self, *args: object) -> None:
        self.statements += 1

    def _commit(self, *args: object) -> None:
        self.commits += 1

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            body = b"".join(self.wsgi_app(environ, start_response))
        finally:
            self.cpu += time.process_time() - started
        return [body]

    def reset(self) -> None:
        self.cpu, self.statements, self.commits = 0.0, 0, 0


def _cohort_for(app, email: str) -> int:  # type: ignore[no-untyped-def]
    """Put the person in a cohort of ai-kiso that started 8 days ago (week 2); return their company id."""
    from datetime import datetime, time as clock, timedelta, timezone

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.cohorts.models import Cohort, CohortCourse, CohortMember
    from lms.cohorts.service import today
    from lms.courses.models import Course
    from lms.extensions import db

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-kiso"))
        now = datetime.now(timezone.utc)
        cohort = Cohort(org_id=user.org_id, name="計測用コホート", start_date=today(now - timedelta(days=8)),
                        session_weekday=2, session_time=clock(10), weeks=8)
        db.session.add(cohort)
        db.session.flush()
        db.session.add(CohortCourse(org_id=user.org_id, cohort_id=cohort.id, course_id=course.id))
        db.session.add(CohortMember(org_id=user.org_id, cohort_id=cohort.id, user_id=user.id, joined_week=1, added_at=now))
        db.session.commit()
        org_id = user.org_id
        db.session.remove()
    return org_id


def bench_pages(env: dict[str, str], args: argparse.Namespace) -> None:
    from flask import Flask

    flask(env, "demo")
    flask(env, "courses", "sync", str(ROOT / "courses"))
    app = _in_process_app(env)  # before any import of lms: this checkout's, not an installed one
    from lms.extensions import db

    email, password = "yoko.tanaka@minato-seiko.example", "lms-demo-2026"
    org_id = _cohort_for(app, email)
    with app.app_context():
        engine = db.engine
    meter = WsgiMeter(app.wsgi_app, engine)
    app.wsgi_app = meter  # type: ignore[method-assign]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        sys.exit("no csrf_token on /login")
    if client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": password}).status_code != 302:
        sys.exit(f"sign-in as {email} failed")
    home = f"/o/{org_id}/"
    course = f"/o/{org_id}/learn/ai-kiso/"
    first = re.search(rf'href="({re.escape(course)}[^"/]+/[^"/]+)"', client.get(course).get_data(as_text=True))
    if first is None:
        sys.exit(f"{course} links to no lesson")
    lesson = first.group(1)
    answer = client.get(lesson)  # the first visit records "started"; what follows are revisits
    if answer.status_code != 200 or "生成AI" not in answer.get_data(as_text=True):
        sys.exit(f"{lesson} answered {answer.status_code}")
    lesson_bytes = answer.get_data()
    # The exercise player's writing step (an exercise lesson of a course every industry sees), revisited
    # after one prompt, so the page carries the rubric's feedback and an earlier prompt.
    practice = f"/o/{org_id}/practice/prompt-jissen/workshop/ws-owabi-mail"
    page = client.get(practice).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        sys.exit(f"{practice} has no form")
    for prompt in ("おわびメールを書いてください。", "あなたは経理担当のアシスタントです。請求書の二重計上のおわびメールを"
                   "作成してください。再発行は12月5日、誤った請求書は破棄、相殺か返金。です・ます調で。"):
        if client.post(practice + "/prompt", data={"csrf_token": token.group(1), "prompt": prompt}).status_code != 302:
            sys.exit(f"{practice}/prompt did not take the prompt")
    practice += "?step=write"

    bare = Flask("bare")
    bare.get("/")(lambda: lesson_bytes)
    bare_meter = WsgiMeter(bare.wsgi_app)
    bare.wsgi_app = bare_meter  # type: ignore[method-assign]
    bare_client = bare.test_client()

    catalog = f"/o/{org_id}/cases/"
    searched = catalog + "?" + urlencode({"q": "シフト"})
    if "シフト" not in client.get(searched).get_data(as_text=True):
        sys.exit(f"{searched} found no case")
    pages = [("lesson page", client, lesson, meter), ("exercise page (writing)", client, practice, meter),
             ("course page", client, course, meter), ("use-case catalog", client, catalog, meter),
             ("catalog, searched", client, searched, meter),
             ("employee home", client, home, meter), ("bare route, same bytes", bare_client, "/", bare_meter)]
    for _name, c, path, _m in pages:  # warm-up: templates compiled, statements cached
        for _ in range(20):
            c.get(path)
    cpu: dict[str, list[float]] = {name: [] for name, *_ in pages}
    sql: dict[str, tuple[int, int]] = {}
    per_round = max(1, args.page_requests // args.page_rounds)
    for _ in range(args.page_rounds):
        for name, c, path, m in pages:
            m.reset()
            for _ in range(per_round):
                answer = c.get(path)
                if answer.status_code != 200:
                    sys.exit(f"{path} answered {answer.status_code}")
            cpu[name].append(m.cpu / per_round * 1000)
            sql[name] = (m.statements // per_round, m.commits // per_round) if m is meter else (0, 0)
    print(f"\nserver CPU per request, in this process (time.process_time around the WSGI call), Flask test client;\n"
          f"  {args.page_rounds} alternated rounds of {per_round} requests, median of the rounds; signed-in employee in a cohort,\n"
          f"  lesson revisited ({len(lesson_bytes):,d} bytes):")
    bare_ms = statistics.median(cpu["bare route, same bytes"])
    for name, *_ in pages:
        ms = statistics.median(cpu[name])
        statements, commits = sql[name]
        print(f"  {name:24s} {ms:6.2f} ms   ×{ms / bare_ms:5.1f} the bare route   {statements:2d} SQL statements, {commits} COMMIT")
    print(f"  bare route / lesson page: {bare_ms / statistics.median(cpu['lesson page']):.2f}", flush=True)


def _hours_world(app, members: int) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """A company with a cohort of `members` who did everything; (org id, cohort id, an org admin's email)."""
    from datetime import datetime, time as clock, timedelta, timezone

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.accounts.roles import Role
    from lms.cohorts.models import Cohort, CohortCourse, CohortMember, SessionAttendance
    from lms.cohorts.service import calendar_of, lessons_in_order, cohort_modules, today
    from lms.courses.models import Course
    from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseAttemptRevision
    from lms.extensions import db
    from lms.learning.models import LessonProgress
    from lms.orgs.models import Organization
    from lms.tenancy import in_org

    with app.app_context():
        now = datetime.now(timezone.utc)
        org = Organization(name=f"計測用 研修時間 {now:%H%M%S}", industry="manufacturing", employee_band="100-299",
                           prefecture=22)
        db.session.add(org)
        db.session.flush()
        admin = User(org_id=org.id, email=f"hours.admin.{org.id}@bench.example", display_name="計測 管理者", locale="ja")
        admin.set_password(EXECUTIVE_PASSWORD)
        admin.set_roles({Role.ORG_ADMIN})
        people = [User(org_id=org.id, email=f"hours.{org.id}.{i}@bench.example", display_name=f"計測 受講者{i:03d}",
                       password_hash=admin.password_hash) for i in range(members)]
        for person in people:
            person.set_roles({Role.EMPLOYEE})
        db.session.add_all([admin, *people])
        db.session.flush()
        courses = list(db.session.scalars(sa.select(Course).where(Course.slug.in_(["ai-kiso", "prompt-jissen"]))))
        start = today(now - timedelta(weeks=9))
        cohort = Cohort(org_id=org.id, name="計測用 研修時間", start_date=start, session_weekday=start.weekday(),
                        session_time=clock(10), session_minutes=90, weeks=8)
        db.session.add(cohort)
        db.session.flush()
        db.session.add_all(CohortCourse(org_id=org.id, cohort_id=cohort.id, course_id=c.id, position=i)
                           for i, c in enumerate(courses))
        db.session.add_all(CohortMember(org_id=org.id, cohort_id=cohort.id, user_id=p.id, joined_week=1, added_at=now)
                           for p in people)
        db.session.flush()
        db.session.refresh(cohort)
        lessons = lessons_in_order(cohort_modules(cohort))
        done_at = datetime.combine(start + timedelta(days=3), clock(3), tzinfo=timezone.utc)
        db.session.execute(sa.insert(LessonProgress), [
            {"org_id": org.id, "user_id": p.id, "lesson_id": l.id, "state": "completed", "started_at": done_at,
             "first_completed_at": done_at, "attempts": 0, "last_activity_at": done_at}
            for p in people for l in lessons
        ])
        exercises = list(db.session.scalars(sa.select(Exercise).where(Exercise.slug.in_({l.exercise for l in lessons if l.exercise}))))
        for exercise in exercises:
            db.session.execute(sa.insert(ExerciseAttempt), [
                {"org_id": org.id, "user_id": p.id, "exercise_id": exercise.id, "status": "writing", "revisions_count": 1,
                 "blocked_count": 0, "answers": [], "self_check": [], "trainer_comment": "", "good_example": False,
                 "created_at": done_at} for p in people
            ])
        attempts = db.session.execute(
            in_org(sa.select(ExerciseAttempt.id, ExerciseAttempt.exercise_id), org.id, ExerciseAttempt)).all()
        revision_of = {e.id: e.current_revision_id for e in exercises}
        if attempts:
            db.session.execute(sa.insert(ExerciseAttemptRevision), [
                {"org_id": org.id, "attempt_id": a, "number": 1, "exercise_revision_id": revision_of[e], "prompt": "計測",
                 "score": 80, "passed": True, "blocked": False, "result": {}, "created_at": done_at} for a, e in attempts
            ])
        db.session.execute(sa.insert(SessionAttendance), [
            {"org_id": org.id, "cohort_id": cohort.id, "session_date": s.date(), "user_id": p.id, "minutes": 90,
             "recorded_at": now, "recorded_by_id": admin.id}
            for p in people for _w, s, _e in calendar_of(cohort).sessions()
        ])
        db.session.commit()
        ids = (org.id, cohort.id, admin.email)
        db.session.remove()
    return ids


def bench_hours(env: dict[str, str], args: argparse.Namespace) -> None:
    flask(env, "exercises", "sync", str(ROOT / "exercises"))
    flask(env, "courses", "sync", str(ROOT / "courses"))
    app = _in_process_app(env)
    from lms.cohorts import hours
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    org_id, cohort_id, email = _hours_world(app, args.hours_members)
    with app.app_context():
        engine = db.engine
    meter = WsgiMeter(app.wsgi_app, engine)
    build_ms: list[float] = []
    with app.test_request_context():
        cohort = db.session.get(Cohort, cohort_id)
        report = hours.build(cohort)  # warm-up
        meter.reset()
        for _ in range(args.hours_runs):
            started = time.perf_counter()
            report = hours.build(cohort)
            build_ms.append((time.perf_counter() - started) * 1000)
        statements = meter.statements // args.hours_runs
        total = sum(r.total for r in report.rows)
        db.session.remove()
    app.wsgi_app = meter  # type: ignore[method-assign]
    client = _signed_in(app, email)
    url = f"/o/{org_id}/cohorts/{cohort_id}/hours.xlsx"
    client.get(url)
    cpu = []
    for _ in range(max(5, args.hours_runs // 3)):
        meter.reset()
        answer = client.get(url)
        if answer.status_code != 200:
            sys.exit(f"{url} answered {answer.status_code}")
        cpu.append(meter.cpu * 1000)
    build_ms.sort()
    print(f"\ntraining-hours record, cohort of {len(report.rows)} members, {len(report.session_dates)} sessions "
          f"({total // 60 // max(1, len(report.rows))} h each on average):\n"
          f"  build p50 {statistics.median(build_ms):.1f} ms, p95 {build_ms[int(len(build_ms) * 0.95) - 1]:.1f} ms, "
          f"{statements} SQL statements; XLSX request {statistics.median(cpu):.1f} ms server CPU "
          f"({len(answer.data):,d} bytes)", flush=True)


SEARCH_QUERIES = (
    "シフト", "ｼﾌﾄ", "しふと", "要約", "会議", "AI", "議事録 作成", "請求", "介護", "表", "見積書", "下書き", "チェック",
    "翻訳", "在庫", "SNS", "工場", "旅館 予約", "農園", "自動", "メール", "日報", "研修資料", "口コミ 返信", "月次",
    "配車", "契約書", "作る", "FAQ", "お詫び",
)


def bench_search(env: dict[str, str], args: argparse.Namespace) -> None:
    seconds, line = flask(env, "usecases", "generate", "--count", str(args.search_cases))
    database = env["LMS_DATABASE_URL"].split(":", 1)[0]
    app = _in_process_app(env)
    from lms.extensions import db
    from lms.usecases.search import search

    with app.app_context():
        counts = {query: len(search(query)) for query in SEARCH_QUERIES}  # warm-up: statements cached
        times: dict[str, list[float]] = {query: [] for query in SEARCH_QUERIES}
        for _ in range(args.search_rounds):
            for query in SEARCH_QUERIES:
                started = time.perf_counter()
                search(query)
                times[query].append((time.perf_counter() - started) * 1000)
        db.session.remove()
    every = sorted(t for values in times.values() for t in values)
    p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
    slowest = sorted(SEARCH_QUERIES, key=lambda q: -statistics.median(times[q]))[:3]
    print(f"\nuse-case search on {database}, {args.search_cases:,d} generated cases (generated in {seconds:.1f} s: {line});\n"
          f"  {len(SEARCH_QUERIES)} queries × {args.search_rounds} rounds, wall time of search() in this process:")
    print(f"  p50 {statistics.median(every):6.1f} ms   p95 {p95:6.1f} ms   max {every[-1]:6.1f} ms")
    print("  slowest (median, results): " + ", ".join(
        f"{q} {statistics.median(times[q]):.1f} ms ({counts[q]:,d})" for q in slowest))
    print(f"  results per query: median {statistics.median(counts.values()):.0f}, max {max(counts.values()):,d}", flush=True)
    if database.startswith("sqlite") and not args.search_no_postgres:
        if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            print("  (PostgreSQL server binaries not installed: no PostgreSQL figures)")
            return
        child = [sys.executable, str(ROOT / "scripts" / "bench.py"), "--only", "search", "--search-no-postgres",
                 "--search-cases", str(args.search_cases), "--search-rounds", str(args.search_rounds)]
        script = 'LMS_DATABASE_URL="$LMS_TEST_DATABASE_URL" exec "$@"'
        pg_env = {k: v for k, v in os.environ.items() if k != "LMS_DATABASE_URL"}
        done = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "sh", "-c", script, "sh", *child],
                              cwd=ROOT, env=pg_env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the PostgreSQL run of the search section failed:\n{done.stdout}\n{done.stderr}")
        print("\n".join(line for line in done.stdout.splitlines() if not line.startswith("database:")), flush=True)


EXECUTIVE_PASSWORD = "bench-executive-2026"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected increasing numbers separated by commas, not {text!r}") from None
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"expected increasing numbers separated by commas, not {text!r}")
    return sizes


def _in_process_app(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """The app in this process, on the benchmark's database, as gunicorn would build it."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("LMS_")})
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from lms import create_app

    return create_app()


def _executives(app, org_ids: list[int]) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """One executive with a known password per measured company (created once); (org id, email)."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.accounts.roles import Role
    from lms.extensions import db

    out = []
    with app.app_context():
        for org_id in org_ids:
            email = f"executive.{org_id}@bench.example"
            if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
                user = User(org_id=org_id, email=email, display_name="計測 役員", locale="ja")
                user.set_password(EXECUTIVE_PASSWORD)
                user.set_roles({Role.EXECUTIVE})
                db.session.add(user)
            out.append((org_id, email))
        db.session.commit()
        db.session.remove()
    return out


def _signed_in(app, email: str):  # type: ignore[no-untyped-def]
    """A test client signed in through the real form, with the page's CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        sys.exit("no csrf_token on /login")
    answer = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": EXECUTIVE_PASSWORD})
    if answer.status_code != 302:
        sys.exit(f"sign-in as {email} answered {answer.status_code}")
    return client


def _dashboard_latency(app, executives: list[tuple[int, str]], requests: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(median, p95) in ms of GET /o/<id>/adoption/, round-robin over the companies, after one warm-up each."""
    clients = [(f"/o/{org_id}/adoption/", _signed_in(app, email)) for org_id, email in executives]
    for path, client in clients:
        answer = client.get(path)
        if answer.status_code != 200 or "<svg" not in answer.get_data(as_text=True):
            sys.exit(f"{path} answered {answer.status_code} without a chart")
    latencies = []
    for i in range(requests):
        path, client = clients[i % len(clients)]
        started = time.perf_counter()
        answer = client.get(path)
        answer.get_data()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            sys.exit(f"{path} answered {answer.status_code}")
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18] if len(latencies) > 1 else latencies[0]
    return statistics.median(latencies), p95


def _api_latency(app, executives: list[tuple[int, str]], requests: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(median, p95) in ms of GET /api/v1/adoption/summary with a bearer token, round-robin, after one warm-up each."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.api import service
    from lms.extensions import db
    from lms.orgs.models import Organization

    app.config["LMS_API_RATE_LIMIT"] = 10**9  # measured here, not refused
    secrets = []
    with app.app_context():
        for org_id, email in executives:
            actor = db.session.scalar(sa.select(User).where(User.email == email))
            _, secret = service.create_token(db.session.get(Organization, org_id), name="bench",
                                             scopes=["adoption:read"], days=1, actor=actor)
            secrets.append(secret)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    for secret in secrets:
        answer = client.get("/api/v1/adoption/summary", headers={"Authorization": f"Bearer {secret}"})
        if answer.status_code != 200:
            sys.exit(f"/api/v1/adoption/summary answered {answer.status_code}")
    latencies = []
    for i in range(requests):
        started = time.perf_counter()
        answer = client.get("/api/v1/adoption/summary", headers={"Authorization": f"Bearer {secrets[i % len(secrets)]}"})
        answer.get_data()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            sys.exit(f"/api/v1/adoption/summary answered {answer.status_code}")
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18] if len(latencies) > 1 else latencies[0]
    return statistics.median(latencies), p95


def _usage_events_latency(app, org_id: int, email: str, requests: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(median, p95) in ms of POST /api/v1/usage-events with 500 new events each (last week, the company's people)."""
    from datetime import timedelta, timezone

    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.api import service
    from lms.core.clock import utcnow
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.tenancy import in_org

    app.config["LMS_API_RATE_LIMIT"] = 10**9
    with app.app_context():
        org = db.session.get(Organization, org_id)
        actor = db.session.scalar(sa.select(User).where(User.email == email))
        _, secret = service.create_token(org, name="bench", scopes=["usage:write"], days=1, actor=actor)
        people = list(db.session.scalars(in_org(sa.select(User.id), org).order_by(User.id)))
        db.session.commit()
        db.session.remove()
    now = utcnow()
    monday = (now - timedelta(days=now.weekday() + 7)).replace(hour=1, minute=0, second=0, microsecond=0)
    client = app.test_client()
    latencies = []
    for i in range(requests + 1):  # the first is a warm-up
        events = [{"id": f"bench-{now.timestamp():.0f}-{i}-{n}", "user_id": people[n % len(people)],
                   "occurred_at": (monday + timedelta(days=n % 7, minutes=i)).astimezone(timezone.utc).isoformat(),
                   "tool": "bench"} for n in range(500)]
        started = time.perf_counter()
        answer = client.post("/api/v1/usage-events", headers={"Authorization": f"Bearer {secret}"},
                             json={"events": events})
        answer.get_data()
        if answer.status_code != 200:
            sys.exit(f"/api/v1/usage-events answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        if i:
            latencies.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18] if len(latencies) > 1 else latencies[0]
    return statistics.median(latencies), p95


def _database_figures(app) -> tuple[list[int], int, int, int]:  # type: ignore[no-untyped-def]
    """Generated companies: (their ids, oldest first; employees; check-ins; rollup rows)."""
    import sqlalchemy as sa

    from lms.accounts.models import User, UserRole
    from lms.accounts.roles import Role
    from lms.adoption.generate import NAME_PREFIX
    from lms.adoption.models import UsageCheckin, UsageRollup
    from lms.extensions import db
    from lms.orgs.models import Organization

    def number(stmt: sa.Select[tuple[int]], owner: sa.ColumnElement[int]) -> int:
        return db.session.scalar(stmt.where(owner.in_(generated))) or 0

    with app.app_context():
        generated = sa.select(Organization.id).where(Organization.name.like(f"{NAME_PREFIX}%"))
        ids = list(db.session.scalars(generated.order_by(Organization.id)))
        count = sa.select(sa.func.count())
        people = number(count.select_from(User).join(UserRole).where(UserRole.role == Role.EMPLOYEE.value), User.org_id)
        checkins = number(count.select_from(UsageCheckin), UsageCheckin.org_id)
        rollups = number(count.select_from(UsageRollup), UsageRollup.org_id)
        db.session.remove()
        db.engine.dispose()
    return ids, people, checkins, rollups


class WriteTimer:
    """Per transaction, the time from its first write statement to its end: how long SQLite's
    write lock (or PostgreSQL's row locks) are held. Measured with SQLAlchemy engine events."""

    WRITES = ("INSERT", "UPDATE", "DELETE")

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.held: list[float] = []

    def _write(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip()[:6].upper() in self.WRITES:
            conn.info.setdefault("bench_first_write", time.perf_counter())

    def _commit(self, conn) -> None:  # type: ignore[no-untyped-def]
        started = conn.info.pop("bench_first_write", None)
        if started is not None:
            self.held.append(time.perf_counter() - started)

    def _rollback(self, conn) -> None:  # type: ignore[no-untyped-def]
        self._commit(conn)  # a rolled-back transaction held the lock too

    def __enter__(self) -> WriteTimer:
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._write)
        sa.event.listen(self.engine, "commit", self._commit)
        sa.event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc: object) -> None:
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._write)
        sa.event.remove(self.engine, "commit", self._commit)
        sa.event.remove(self.engine, "rollback", self._rollback)


def _refresh_rollups(app) -> tuple[int, float, list[float]]:  # type: ignore[no-untyped-def]
    """Runs the `refresh_rollups` job as the scheduler does: (companies, seconds, lock hold per transaction)."""
    from lms.extensions import db
    from lms.scheduler.runner import run_named

    with app.app_context():
        with WriteTimer(db.engine) as timer:
            started = time.perf_counter()
            refreshed = run_named("refresh_rollups")
            elapsed = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return refreshed, elapsed, timer.held


def bench_adoption(env: dict[str, str], args: argparse.Namespace) -> None:
    employees, weeks, requests = args.adoption_employees, args.adoption_weeks, args.adoption_requests
    measured = min(args.adoption_measured, args.adoption_companies[0])
    print(f"\nexecutive dashboard: GET /o/<id>/adoption/ as a signed-in executive, Flask test client in this process;\n"
          f"  {employees} employees a company, {weeks} weeks of check-ins ending last week; {requests} requests "
          f"round-robin over the first {measured} companies (the same at every size), after one warm-up each.")
    print(f"  {'companies':>9} {'employees':>10} {'check-ins':>10} {'rollups':>9}  {'generation':>11} {'(in generator)':>15}"
          f"  {'median':>9} {'p95':>9}  {'API median':>10} {'API p95':>9}", flush=True)
    app = _in_process_app(env)
    existing = 0
    refreshes: list[tuple[int, int, float, list[float]]] = []
    for size in args.adoption_companies:
        new = size - existing
        wall, line = flask(env, "adoption", "generate", "--companies", str(new), "--employees", str(employees),
                           "--weeks", str(weeks), "--seed", str(args.adoption_seed))
        inner = re.search(r"in ([0-9.]+) s$", line)
        ids, people, checkins, rollups = _database_figures(app)
        existing = len(ids)
        executives = _executives(app, ids[:measured])
        median, p95 = _dashboard_latency(app, executives, requests)
        api_median, api_p95 = _api_latency(app, executives, requests)
        with app.app_context():
            from lms.extensions import db

            db.engine.dispose()  # no connection left open while the next size is generated
        in_generator = f"({inner.group(1)} s)" if inner else "(?)"
        print(f"  {size:9,d} {people:10,d} {checkins:10,d} {rollups:9,d}  {wall:9.1f} s {in_generator:>15}"
              f"  {median:6.1f} ms {p95:6.1f} ms  {api_median:7.1f} ms {api_p95:6.1f} ms", flush=True)
        refreshes.append((size, *_refresh_rollups(app)))
    events_median, events_p95 = _usage_events_latency(app, *executives[0], min(requests, 20))
    print(f"  POST /api/v1/usage-events, 500 new events a request (one company, last week): "
          f"median {events_median:.1f} ms, p95 {events_p95:.1f} ms", flush=True)
    print("  (generation: wall time of `flask adoption generate` for the companies added at that size,\n"
          "   including interpreter and app start; in brackets, the generator's own time;\n"
          "   API: GET /api/v1/adoption/summary with a bearer token, the same companies and request count)")
    print("\nrefresh_rollups job (every 10 minutes; rebuilds this and last week of every company with recent\n"
          "  check-ins), in this process; write lock held = first INSERT/UPDATE/DELETE of a transaction to its end:")
    print(f"  {'companies':>9} {'refreshed':>10} {'job':>9} {'transactions':>13} {'lock held: median':>18} {'p95':>9}"
          f" {'longest':>9} {'over 100 ms':>12}")
    for size, refreshed, elapsed, held in refreshes:
        ms = sorted(h * 1000 for h in held) or [0.0]
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
        over = sum(1 for h in ms if h > 100)
        print(f"  {size:9,d} {refreshed:10,d} {elapsed:7.2f} s {len(held):13,d} {statistics.median(ms):15.1f} ms"
              f" {p95:6.1f} ms {ms[-1]:6.1f} ms {over:12,d}", flush=True)
    print("  (the machine's other load shares the CPUs: a transaction descheduled mid-way holds the lock longer)")


PII_DATA = ("\n\n以下は顧客からの問い合わせメモです（架空）。\nひかり食品株式会社 購買部の山田太郎様から、"
            "電話（０９０－１２３４－５６７８）とメール（taro.yamada@example.co.jp）で、請求書の送付先を"
            "〒100-0005 東京都千代田区丸の内1-2-3 に変更したいとのこと。振込先はみずほ銀行 新宿支店 普通 1234567。\n")
PII_SECRETS = (("ひかり食品", "取引先名"), ("山田太郎", "担当者名"), ("1,250,000円", "見積金額"),
               ("ミナト精工", "自社名"), ("A-20241201", "注文番号"))


def bench_pii(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from lms.core.pii import scan
    from scripts.pii_false_positives import example_prompts, findings

    prompts = "\n\n".join(text for _, _, text in example_prompts(ROOT / "courses"))
    cases = {"lesson example prompts": prompts[:4000],
             "with planted customer data": prompts[:4000 - len(PII_DATA)] + PII_DATA}
    print(f"\npersonal-data guard: scan() of a 4,000-character prompt with 5 exercise secrets, {args.pii_runs} runs"
          " each, in this process;\n  CPU time (time.process_time) and, in brackets, wall time, which the machine's"
          " other load stretches:")
    for name, text in cases.items():
        found = scan(text, PII_SECRETS)  # warm up (compiled patterns, the phone metadata)
        cpu, wall = [], []
        for _ in range(args.pii_runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            scan(text, PII_SECRETS)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)

        def p95(values: list[float]) -> float:
            return statistics.quantiles(values, n=20, method="inclusive")[18]

        print(f"  {name:27} {len(text):5,d} chars {len(found):3d} findings   median {statistics.median(cpu):5.2f} ms"
              f" ({statistics.median(wall):5.2f})   p95 {p95(cpu):5.2f} ms ({p95(wall):5.2f})", flush=True)
    blocks, flagged = findings(ROOT / "courses")
    print(f"  shipped lessons' example prompts: {blocks} blocks, {len(flagged)} findings"
          " (scripts/pii_false_positives.py lists them)")
RUBRIC_PROMPT_PARTS = (
    "あなたは製造業の営業担当として、取引先へのメールに慣れたアシスタントです。\n",
    "取引先への納期遅れのおわびメールの下書きを作成してください。\n【状況】\n",
    "・注文品（ブラケット６００個）の納品が、材料の入荷遅れのため３日遅れる\n",
    "・取引先は【取引先名】、担当者は【担当者名】様。ｶﾞｲﾄﾞﾗｲﾝに沿って書くこと。\n",
    "【元の文章】\n「先日は弊社製品をご注文いただき、誠にありがとうございました。納期についてご連絡いたします。」\n",
    "【出力形式】件名と本文に分け、本文は300字以内。です・ます調で、言い訳に聞こえない丁寧な文面にしてください。\n",
)


def _rubric_prompt(length: int) -> str:
    text = ""
    while len(text) < length:
        text += "".join(RUBRIC_PROMPT_PARTS)
    return text[:length]


def bench_rubric(args: argparse.Namespace) -> None:
    from lms.exercises.rubric import ELEMENTS, evaluate
    from lms.exercises.source import Criterion, load_exercise

    example = load_exercise(ROOT / "tests" / "data" / "exercises" / "owabi-mail.md")
    every_kind = tuple(
        Criterion(id=e, label=e, check="element", hint="h", weight=10, line=1, element=e) for e in ELEMENTS
    ) + (
        Criterion(id="facts", label="f", check="contains", hint="h", weight=10, line=1, all_of=("600", "3日")),
        Criterion(id="date", label="d", check="regex", hint="h", weight=10, line=1, pattern=r"\d+日"),
        Criterion(id="len", label="l", check="length", hint="h", weight=10, line=1, min_chars=80, max_chars=5000),
        Criterion(id="pd", label="p", check="forbidden", hint="h", weight=0, line=1, what=("secrets", "personal_data")),
    )
    prompt = _rubric_prompt(args.rubric_chars - 6)
    print(f"\nrubric engine and personal-data guard together (evaluate), in this process, "
          f"{args.rubric_runs} runs on a {len(prompt) + 6:,d}-character prompt:")
    print(f"  {'rubric':<40} {'criteria':>8} {'p50':>9} {'p95':>9}")
    for name, exercise in (("format example (owabi-mail)", example),
                           ("every kind and element", dataclasses.replace(example, rubric=every_kind))):
        evaluate(exercise, prompt)  # warm the pattern cache
        times = []
        for run in range(args.rubric_runs):
            typed = f"{prompt}{run:06d}"  # a new text each time: no fold is reused from an earlier run
            started = time.perf_counter()
            evaluate(exercise, typed)
            times.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
        print(f"  {name:<40} {len(exercise.rubric):8d} {statistics.median(times):6.2f} ms {p95:6.2f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); default: all of " + ", ".join(SECTIONS))
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per endpoint")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    parser.add_argument("--adoption-companies", type=_sizes, default=[3, 300], metavar="N,N,...",
                        help="company counts to grow to and measure at (default: 3,300)")
    parser.add_argument("--adoption-employees", type=int, default=100, help="employees a company (default: 100)")
    parser.add_argument("--adoption-weeks", type=int, default=104, help="weeks of check-ins (default: 104)")
    parser.add_argument("--adoption-requests", type=int, default=50, help="dashboard requests per size (default: 50)")
    parser.add_argument("--adoption-measured", type=int, default=5, help="companies the requests go to (default: 5)")
    parser.add_argument("--adoption-seed", type=int, default=1, help="seed of the generated companies (default: 1)")
    parser.add_argument("--page-requests", type=int, default=600, help="requests per page in the pages section (default: 600)")
    parser.add_argument("--page-rounds", type=int, default=3, help="alternated rounds in the pages section (default: 3)")
    parser.add_argument("--pii-runs", type=int, default=500, help="scans per prompt in the pii section (default: 500)")
    parser.add_argument("--rubric-runs", type=int, default=300, help="evaluations per rubric in the rubric section (default: 300)")
    parser.add_argument("--rubric-chars", type=int, default=4000, help="prompt length in the rubric section (default: 4000)")
    parser.add_argument("--search-cases", type=int, default=10_000, help="generated cases in the search section (default: 10000)")
    parser.add_argument("--search-rounds", type=int, default=10, help="rounds of the 30 queries in the search section (default: 10)")
    parser.add_argument("--hours-members", type=int, default=100, help="cohort members in the hours section (default: 100)")
    parser.add_argument("--hours-runs", type=int, default=30, help="reports built in the hours section (default: 30)")
    parser.add_argument("--search-no-postgres", action="store_true", help="search section: SQLite only (used by its own child run)")
    args = parser.parse_args()
    sections = args.only or list(SECTIONS)

    work = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        env = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "bench-" + "x" * 40,
               "LMS_COOKIE_SECURE": "0", "PYTHONPATH": str(ROOT)}
        env.setdefault("LMS_DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
        database = env["LMS_DATABASE_URL"].split(":", 1)[0]
        load_settings = (f"; gunicorn workers: {args.workers}; clients: {args.threads}; {args.seconds:.0f} s per endpoint"
                         if "requests" in sections else "")
        print(f"database: {database}; sections: {', '.join(sections)}{load_settings}; {os.cpu_count()} CPUs", flush=True)
        if set(sections) - {"pii", "rubric"}:
            flask(env, "db", "upgrade")

        if "sync" in sections:
            bench_sync(env, work)
        if "requests" in sections:
            bench_requests(env, work, args)
        if "adoption" in sections:
            bench_adoption(env, args)
        if "pages" in sections:
            bench_pages(env, args)
        if "pii" in sections:
            bench_pii(args)
        if "rubric" in sections:
            bench_rubric(args)
        if "usecases" in sections:
            bench_usecases(env, work)
        if "catalog" in sections:
            bench_catalog(env, work)
        if "search" in sections:
            bench_search(env, args)
        if "hours" in sections:
            bench_hours(env, args)
        if "usage" in sections:
            bench_usage(env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
