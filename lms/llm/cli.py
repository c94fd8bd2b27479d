"""`flask llm check`: ask the configured AI model one short question, to test the settings."""
from __future__ import annotations

import time

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.group("llm")
    def llm() -> None:
        """The optional AI model (docs/llm.md)."""

    @llm.command("check")
    @click.option("--prompt", default="「準備ができました」とだけ答えてください。", show_default=True,
                  help="What to ask (sent as it is: no personal data).")
    def check(prompt: str) -> None:
        """Ask the configured model one question, streaming; print the answer or the reason it failed."""
        from lms.llm.client import LLMError
        from lms.llm.delivery import client_from_config

        config = current_app.config
        if not config["LMS_LLM_BASE_URL"]:
            raise click.ClickException("no AI model is configured: set LMS_LLM_BASE_URL and LMS_LLM_MODEL")
        click.echo(f"asking {config['LMS_LLM_MODEL']} at {config['LMS_LLM_BASE_URL']} ...", err=True)
        started = time.monotonic()
        first: list[float] = []

        def note_first(text: str) -> None:
            if not first:
                first.append(time.monotonic())

        try:
            with client_from_config() as client:
                answer = client.chat(
                    [{"role": "user", "content": prompt}], model=config["LMS_LLM_MODEL"],
                    temperature=config["LMS_LLM_TEMPERATURE"], max_tokens=config["LMS_LLM_MAX_TOKENS"],
                    stream=config["LMS_LLM_STREAM"], on_delta=note_first,
                )
        except LLMError as exc:
            raise click.ClickException(exc.reason) from None
        took = time.monotonic() - started
        click.echo(answer.text)
        usage = f", {answer.usage.total_tokens} tokens" if answer.usage and answer.usage.total_tokens else ""
        to_first = f"first words after {first[0] - started:.1f} s, " if first else ""
        click.echo(f"ok: model {answer.model or '?'}, {to_first}answered in {took:.1f} s, finish {answer.finish_reason}"
                   f"{usage}", err=True)
