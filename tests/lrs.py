"""Ralph, a real learning record store, run on loopback for the xAPI tests (its file backend, basic auth).

scripts/setup.sh dev installs Ralph into .venv-lrs (scripts/lrs-requirements.txt); LMS_TEST_LRS_PYTHON names
another interpreter that has it. Ralph is started the way its documentation runs it in production (uvicorn
serving `ralph.api:app`, backend chosen by RALPH_RUNSERVER_BACKEND), on a free port, with a temporary folder
for its statements and an auth file holding one bcrypt-hashed user; tests/ralph_server.py lets its file backend
append (as shipped, it stores only the first POST).
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD = "lms", "lrs-test-password"
VERSION_HEADER = {"X-Experience-API-Version": "1.0.3"}


def lrs_python() -> Path:
    configured = os.environ.get("LMS_TEST_LRS_PYTHON")
    path = Path(configured) if configured else ROOT / ".venv-lrs" / "bin" / "python"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `bash scripts/setup.sh dev`, which installs Ralph (the test LRS) there")
    return path


@dataclass
class Ralph:
    folder: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        """What LMS_XAPI_ENDPOINT is set to: the LRS's xAPI base."""
        return f"http://{self.host}:{self.port}/xAPI"

    def config(self) -> dict[str, Any]:
        return {"LMS_XAPI_ENDPOINT": self.endpoint, "LMS_XAPI_USERNAME": USERNAME, "LMS_XAPI_PASSWORD": PASSWORD,
                "LMS_XAPI_TIMEOUT": 10.0}

    def start(self) -> Ralph:
        python = lrs_python()
        self.folder.mkdir(parents=True, exist_ok=True)
        auth = self.folder / "auth.json"
        if not auth.exists():
            hashed = subprocess.run(
                [str(python), "-c", "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())",
                 PASSWORD], check=True, capture_output=True, text=True,
            ).stdout.strip()
            auth.write_text(json.dumps([{
                "username": USERNAME, "hash": hashed, "scopes": ["all"],
                "agent": {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1", "name": "lms-tests"}},
            }]), encoding="utf-8")
        (self.folder / "statements").mkdir(exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.folder),
            "RALPH_APP_DIR": str(self.folder / "app"), "RALPH_AUTH_FILE": str(auth),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "statements"),
        }
        log = (self.folder / "ralph.log").open("ab")
        self.process = subprocess.Popen(
            [str(python), str(Path(__file__).parent / "ralph_server.py"), self.host, str(self.port)],
            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        """Ralph imports FastAPI and pydantic first: on a busy machine that takes a while. Not a speed assertion."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError("Ralph stopped at start:\n" + (self.folder / "ralph.log").read_text(errors="replace"))
            try:
                if httpx.get(f"http://{self.host}:{self.port}/__heartbeat__", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("Ralph did not answer within 180 s:\n" + (self.folder / "ralph.log").read_text(errors="replace"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def statements(self, **params: str) -> list[dict[str, Any]]:
        """GET /xAPI/statements (every page), as the LRS returns them."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.endpoint}/statements"
        query: dict[str, str] | None = {"limit": "500", **params}
        while url:
            answer = httpx.get(url, params=query, auth=(USERNAME, PASSWORD), headers=VERSION_HEADER, timeout=10)
            answer.raise_for_status()
            body = answer.json()
            if "statements" not in body:  # ?statementId= answers with the one statement
                return [body]
            found.extend(body["statements"])
            more = body.get("more")
            url, query = (f"http://{self.host}:{self.port}{more}" if more else None), None
        return found

    def statements_of(self, home_page: str, name: str) -> list[dict[str, Any]]:
        return self.statements(agent=json.dumps({"account": {"homePage": home_page, "name": name}}))
