#!/usr/bin/env python
"""Start everything `make run` needs, in the foreground, until Ctrl-C.

The web server, a Celery worker (emails) and Celery beat (reminders, closing waves,
recovering stuck messages). With REDIS_URL set they use that Redis; without it (the
embedded default) the broker is a folder, var/celery-broker, so nothing else need run.
CELERY_EAGER=true runs tasks inside the web process instead (no worker, no beat: reminders
and closing then do not happen on their own).
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
    if os.getenv("CELERY_EAGER", "").lower() in {"1", "true", "yes", "on"}:
        print("CELERY_EAGER: background tasks (emails) run inside the web process; no beat.", flush=True)
        return procs
    if os.getenv("REDIS_URL"):
        print("Celery worker and beat on the Redis at REDIS_URL.", flush=True)
    else:
        print(
            "No REDIS_URL: Celery worker and beat use the embedded filesystem broker (var/celery-broker); "
            "no server needed.",
            flush=True,
        )
    procs.append([PY, "-m", "celery", "-A", "escp_survey", "worker", "--loglevel", "INFO", "--concurrency", "2"])
    procs.append([PY, "-m", "celery", "-A", "escp_survey", "beat", "--loglevel", "INFO"])
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
