#!/usr/bin/env python
"""Start everything `make run` needs, in the foreground, until Ctrl-C.

With the embedded defaults that is the web server alone: background tasks run in-process.
With REDIS_URL set it also starts a Celery worker and Celery beat against that Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ADDRESS = os.getenv("RUN_ADDRESS", "127.0.0.1:8000")


def commands() -> list[list[str]]:
    procs = [[PY, "manage.py", "runserver", ADDRESS, "--noreload"]]
    if os.getenv("REDIS_URL"):
        procs.append([PY, "-m", "celery", "-A", "escp_survey", "worker", "--loglevel", "INFO", "--concurrency", "2"])
        procs.append([PY, "-m", "celery", "-A", "escp_survey", "beat", "--loglevel", "INFO"])
    else:
        print("No REDIS_URL: background tasks (emails) run inside the web process.", flush=True)
    return procs


def main() -> int:
    children = [subprocess.Popen(cmd, cwd=ROOT) for cmd in commands()]  # noqa: S603 - our own fixed commands

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            child.wait(timeout=10)
    return max((child.returncode or 0) for child in children)


if __name__ == "__main__":
    sys.exit(main())
