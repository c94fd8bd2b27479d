"""Command-line commands: `flask --app lms <command>`."""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    from alembic.config import Config  # imported on use: Alembic is among the slowest imports of a command's start

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(revision: str = "head") -> None:
    """Bring the schema to `revision` (inside an app context)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


def register_cli(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database schema (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Apply migrations up to REVISION (default: head)."""
        upgrade_database(revision)
        click.echo(f"database at {revision}")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the models (review it before committing)."""
        from alembic import command

        command.revision(alembic_config(), message=message, autogenerate=True)

    @app.cli.command("demo")
    def demo() -> None:
        """Create (or complete) the demo provider, companies and people; prints every account."""
        from lms.demo.generate import create_demo

        for line in create_demo(progress=lambda msg: click.echo(msg, err=True)):
            click.echo(line)

    from lms.adoption.cli import register as register_adoption
    from lms.courses.cli import register as register_courses
    from lms.exercises.cli import register as register_exercises
    from lms.llm.cli import register as register_llm
    from lms.scheduler.cli import register as register_scheduler
    from lms.toolguide.cli import register as register_toolguide
    from lms.usage.cli import register as register_usage
    from lms.usecases.cli import register as register_usecases
    from lms.xapi.cli import register as register_xapi

    register_adoption(app)
    register_courses(app)
    register_exercises(app)
    register_llm(app)
    register_scheduler(app)
    register_toolguide(app)
    register_usage(app)
    register_usecases(app)
    register_xapi(app)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administrator")
    def create_admin(email: str, name: str) -> None:
        """Create the first platform administrator (asks for the password)."""
        from lms.accounts.models import User
        from lms.accounts.roles import Role
        from lms.accounts.service import find_user_by_email, normalize_email, validate_new_password
        from lms.extensions import db

        from lms import textrule

        for what, value in (("the email address", email), ("--name", name)):
            found = textrule.first_refused(value, multiline=False)
            if found is not None:
                raise click.ClickException(f"{what} contains the character {found.code}, which no text may hold: remove it")
        if find_user_by_email(email) is not None:
            raise click.ClickException(f"{email} already has an account")
        password = getpass.getpass("Password: ")
        if not validate_new_password(password):
            raise click.ClickException("the password needs at least 10 characters")
        user = User(email=normalize_email(email), display_name=name)
        user.set_password(password)
        user.set_roles({Role.ADMIN})
        db.session.add(user)
        db.session.commit()
        click.echo(f"admin {email} created")
