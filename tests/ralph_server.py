"""Run Ralph's LRS with its file backend able to take more than one POST; started by tests/lrs.py in .venv-lrs.

Ralph 5.1's file backend writes every POST with its data backend's default operation, CREATE, which refuses
to write to a file that exists: the first POST of statements is stored, every later one answers 500
("Statements bulk indexation failed"). Its own APPEND operation is what an LRS needs; this sets it as the
default and runs the app as Ralph's documentation runs it (uvicorn serving `ralph.api:app`). Nothing else of
Ralph is changed. Usage: python tests/ralph_server.py HOST PORT
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
