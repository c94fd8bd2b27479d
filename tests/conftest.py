"""Shared fixtures: one migrated database and one app per run; each test inside a transaction rolled back at its end.

Isolation. By default a test runs inside one outer transaction on one
connection that is rolled back when the test ends (SQLAlchemy's "join a session
into an external transaction" recipe): `db.session` is bound to that connection
with `join_transaction_mode="create_savepoint"`, so every `commit()` — the
test's own and each test-client request's — only releases a SAVEPOINT, and
requests see what the test wrote. App code that commits on a connection of
its own with `db.engine.begin()` (the sign-in throttle) gets a SAVEPOINT on that
same connection; `db.engine.connect()` and use from another thread refuse, with
a message naming the marker below. On SQLite the pysqlite driver's own
transaction handling is switched off and SQLAlchemy emits BEGIN itself, so
SAVEPOINTs work. These tests share one app built per run; `app_config`
overrides are applied to its config for the test only, and any change a test
makes to `app.config` is undone.

Tests that need real commits — threads, subprocesses, live servers, several
connections, the scheduler — are marked `@pytest.mark.real_commits` (browser
tests and the `server` fixture imply it). They get a fresh app per test, commit
for real, and every table is emptied afterwards, as before.

Outbound traffic. An autouse guard (tests/guards.py) refuses and fails any
socket connection to a non-loopback address and any SMTP connection other than
to the test's `smtp_inbox`; a test that means to talk SMTP elsewhere (an
unreachable port, say) is marked `@pytest.mark.allow_smtp`.

Set LMS_TEST_DATABASE_URL to run on PostgreSQL (scripts/test.sh does); the
default is a SQLite file in a temporary folder.
"""
from __future__ import annotations

import functools
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from lms import create_app
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.extensions import db
from lms.orgs.models import Organization
from tests.guards import OutboundGuard

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
PASSWORD = "correct horse battery"


def shared_path(*parts: str) -> Path:
    """A file of ../shared/testdata (public inputs written by others); fails loudly when missing."""
    path = TESTDATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"test input {path} is missing: the checkout needs ../shared beside it", pytrace=False)
    return path


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    import os

    return os.environ.get("LMS_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def base_config(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {
        "LMS_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "LMS_SMTP_HOST": "",
        "LMS_LLM_BASE_URL": "",  # no AI model unless a test points one at its fake server
        "LMS_BASE_URL": "http://lms.test",
        "TESTING": True,
    }


@pytest.fixture(scope="session")
def _migrated(base_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Upgrade the (empty) test database to head once per run."""
    import os

    os.environ.setdefault("LMS_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    app = create_app(base_config)
    from lms.cli import upgrade_database

    with app.app_context():
        upgrade_database()
        db.engine.dispose()


class FormClient(FlaskClient):
    """A test client that submits forms the way a browser does: with the page's CSRF token.

    Each request gets its own app context (so its own `g` and database
    session), as in a real server, even while the test holds one open.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own session sees what the request committed
        return response

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kwargs: Any) -> Any:
        data = dict(data or {})
        data["csrf_token"] = self.csrf_token(page or url)
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.submit("/login", {"email": email, "password": password})

    def logout(self) -> Any:
        return self.submit("/logout", page="/account")


def _real_commits(request: pytest.FixtureRequest) -> bool:
    node = request.node
    return bool(node.get_closest_marker("real_commits") or node.get_closest_marker("browser"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests and tests on a live server commit for real: the server answers from other threads."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.real_commits)


class _JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, but always on the test's connection (its `get_bind` ignores `bind=`)."""

    test_thread: int | None = None

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if threading.get_ident() != self.test_thread:
            raise RuntimeError("another thread cannot share this test's connection: mark the test @pytest.mark.real_commits")
        return bind if bind is not None else self.bind


class _JoinedEngine:
    """The app's engine, except that `begin()` gives a SAVEPOINT on the test's connection.

    `connect()` refuses: a test that looks through a connection of its own
    wants to see what is committed, so it must commit for real.
    """

    def __init__(self, engine: sa.Engine, connection: sa.Connection) -> None:
        self._engine = engine
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self._connection.begin_nested():
            yield self._connection

    def connect(self) -> Any:
        raise RuntimeError(
            "a second connection cannot see this test's uncommitted transaction: mark the test "
            "@pytest.mark.real_commits"
        )


def _sqlite_savepoints(engine: sa.Engine) -> None:
    """pysqlite begins transactions itself and breaks SAVEPOINT; let SQLAlchemy emit BEGIN instead."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _no_op(*args: Any) -> None:
    pass


def _new_app(base_config: dict[str, Any], overrides: dict[str, Any]) -> Flask:
    app = create_app({**base_config, **overrides})
    app.test_client_class = FormClient
    return app


@pytest.fixture(scope="session")
def _shared_app(base_config: dict[str, Any], _migrated: None) -> Iterator[Flask]:
    """The one app of the run for tests isolated by rollback (its engine speaks SAVEPOINT on SQLite too)."""
    app = _new_app(base_config, {})
    with app.app_context():
        _sqlite_savepoints(db.engine)
        # A connection only runs the engine's statement events when the engine had one as it was made,
        # so without this a test's statement counter (listening on db.engine) saw nothing on PostgreSQL.
        sa.event.listen(db.engine, "before_cursor_execute", _no_op)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def _isolation(request: pytest.FixtureRequest) -> Iterator[Callable[[Flask], None] | None]:
    """Rollback isolation: one connection in an outer transaction, rolled back at the end.

    Yields a function that joins an app to that connection, or None for a test
    that commits for real.
    """
    if _real_commits(request):
        yield None
        return
    shared: Flask = request.getfixturevalue("_shared_app")
    with shared.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original_session = db.session
    _JoinedSession.test_thread = threading.get_ident()
    db.session = db._make_scoped_session(  # type: ignore[method-assign]
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    joined: list[tuple[dict[str | None, Any], Any]] = []

    def join(app: Flask) -> None:
        engines = db._app_engines[app]
        joined.append((engines, engines[None]))
        engines[None] = _JoinedEngine(engines[None], connection)

    join(shared)
    try:
        yield join
    finally:
        # Each app context removed its own session when it ended.
        db.session = original_session  # type: ignore[method-assign]
        for engines, engine in joined:
            engines[None] = engine
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def make_app(
    base_config: dict[str, Any], _migrated: None, _isolation: Callable[[Flask], None] | None
) -> Iterator[Callable[..., Flask]]:
    """Build an extra app on the test database with extra config (inside the test's transaction unless real_commits)."""
    apps: list[Flask] = []

    def _make(**overrides: Any) -> Flask:
        app = _new_app(base_config, overrides)
        if _isolation is not None:
            _isolation(app)
        apps.append(app)
        return app

    yield _make
    if apps and _isolation is None:
        cleaner = create_app(base_config)
        with cleaner.app_context():
            _empty_tables()
            db.engine.dispose()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _empty_tables() -> None:
    db.session.rollback()
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra config for the `app` fixture; a test module overrides it (for example to use SMTP)."""
    return {}


@pytest.fixture
def app(
    request: pytest.FixtureRequest, make_app: Callable[..., Flask], app_config: dict[str, Any],
    _isolation: Callable[[Flask], None] | None,
) -> Iterator[Flask]:
    if _isolation is None:
        application = make_app(**app_config)
        with application.app_context():
            yield application
        return
    application = request.getfixturevalue("_shared_app")
    saved = dict(application.config)
    application.config.update(app_config)
    try:
        with application.app_context():
            yield application
    finally:
        application.config.clear()
        application.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FormClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def create_org(app: Flask) -> Callable[..., Organization]:
    counter = iter(range(1, 10_000))

    def _create(name: str | None = None, industry: str = "manufacturing", **fields: Any) -> Organization:
        org = Organization(
            name=name or f"テスト株式会社{next(counter)}", industry=industry,
            employee_band=fields.pop("employee_band", "10-29"), prefecture=fields.pop("prefecture", 22), **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return _create


@functools.cache
def _password_hash() -> str:
    probe = User()
    probe.set_password(PASSWORD)
    assert probe.password_hash is not None
    return probe.password_hash


@pytest.fixture
def create_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def _create(
        org: Organization | None = None,
        roles: tuple[Role, ...] = (Role.EMPLOYEE,),
        email: str | None = None,
        password: str | None = PASSWORD,
        name: str | None = None,
        **fields: Any,
    ) -> User:
        n = next(counter)
        user = User(
            org_id=org.id if org else None, email=email or f"user{n}@example.jp",
            display_name=name or f"山田 太郎{n}", **fields,
        )
        if password == PASSWORD:
            user.password_hash = _password_hash()  # scrypt is slow on purpose: hash the common password once
        elif password:
            user.set_password(password)
        user.set_roles(set(roles))
        db.session.add(user)
        db.session.commit()
        return user

    return _create


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


@pytest.fixture(autouse=True)
def outbound(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[OutboundGuard]:
    """Refuse (and fail the test on) any connection beyond loopback and any SMTP but the test's own inbox."""
    guard = OutboundGuard(any_smtp=request.node.get_closest_marker("allow_smtp") is not None)
    guard.install(monkeypatch)
    yield guard
    guard.check()


@pytest.fixture
def smtp_inbox(outbound: OutboundGuard) -> Iterator[Any]:
    """A loopback SMTP server; override `app_config` with `smtp_config(smtp_inbox)` to deliver to it."""
    from aiosmtpd.controller import Controller

    from tests.mailserver import Inbox, free_port

    inbox = Inbox("127.0.0.1", free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    outbound.smtp_servers.add((inbox.host, inbox.port))
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_config(inbox: Any) -> dict[str, Any]:
    return {"LMS_SMTP_HOST": inbox.host, "LMS_SMTP_PORT": inbox.port}


@pytest.fixture
def fake_llm(outbound: OutboundGuard) -> Iterator[Any]:
    """A fake OpenAI-compatible server on loopback (tests/fake_llm.py); the only HTTP server the test may reach."""
    from tests.fake_llm import FakeLLM

    fake = FakeLLM().start()
    outbound.http_servers.add((fake.host, fake.port))
    try:
        yield fake
    finally:
        fake.stop()
    if fake.unexpected:
        pytest.fail("the fake model server got unscripted requests: " + "; ".join(fake.unexpected), pytrace=False)


def llm_config(fake: Any, **overrides: Any) -> dict[str, Any]:
    """App config that points the AI model at `fake`, with timeouts short enough for tests."""
    return {
        "LMS_LLM_BASE_URL": fake.base_url, "LMS_LLM_API_KEY": "test-key", "LMS_LLM_MODEL": "fake-model",
        "LMS_LLM_CONNECT_TIMEOUT": 2.0, "LMS_LLM_READ_TIMEOUT": 2.0, "LMS_LLM_TOTAL_TIMEOUT": 10.0, **overrides,
    }


@pytest.fixture
def sync_course(app: Flask, tmp_path: Path) -> Callable[..., Any]:
    """Write a small course (tests/coursetree.py) and load it; returns the Course."""
    from lms.courses.models import Course
    from lms.courses.sync import Author, load_sources, sync_course as sync_one
    from tests.coursetree import write_course

    def _sync(slug: str = "kiso", industries: str = "[all]", audience: str | None = None,
              exercise: str | None = None) -> Any:
        folder = write_course(tmp_path / "src", slug=slug, industries=industries, audience=audience)
        if exercise is not None:  # tests/data/exercises synced, and lesson "renshu" practising `exercise`
            from lms.exercises.sync import sync_folder
            from tests.coursetree import add_exercise_lesson

            report = sync_folder(Path(__file__).parent / "data" / "exercises", check=False, author=Author(None, "test"))
            assert not report.errors, report.errors
            add_exercise_lesson(folder, exercise)
        (source,) = load_sources([folder])
        sync_one(source, author=Author(None, "test"))
        db.session.commit()
        return db.session.scalar(sa.select(Course).where(Course.slug == slug))

    return _sync


# --- browser tests (real Chromium through Playwright) ---


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(app: Flask) -> Iterator[Any]:
    from tests.browser import live_server

    yield from live_server(app)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()


def drain_outbox() -> int:
    """Do once what the worker process does: deliver every outbox row that is due. Needs an app context."""
    from lms import outbox

    handled = outbox.drain()
    db.session.expire_all()
    return handled
