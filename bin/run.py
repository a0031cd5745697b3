#!/usr/bin/env python
"""Start everything `make run` needs, in the foreground, until Ctrl-C.

The web server, a Celery worker (emails) and Celery beat (reminders, closing waves,
recovering stuck messages). With REDIS_URL set they use that Redis; without it (the
embedded default) the broker is a folder, var/celery-broker, so nothing else need run.
CELERY_EAGER=true runs tasks inside the web process instead (no worker, no beat: reminders
and closing then do not happen on their own).

Once the server answers and the worker has had time to print its banner, the admin's address
and password and the coordinators' links are printed last, in a box (`manage.py demo_links`),
so they do not scroll away under the start-up logs. RUN_ADDRESS (host:port) or PORT choose
where it serves; SITE_URL follows unless set (escp_survey/run_address.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from escp_survey.run_address import run_address, site_url_for  # noqa: E402 - after the path

PY = sys.executable
ADDRESS = run_address(os.environ)
# The worker and beat print their banners a moment after the web server answers.
BANNER_GRACE_SECONDS = 3.0
SERVER_WAIT_SECONDS = 60.0


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


def server_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own http address
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if with an error page
    except (urllib.error.URLError, OSError):
        return False


def print_links_when_serving(children: list[subprocess.Popen[bytes]]) -> None:
    url = site_url_for(ADDRESS) + "/"
    deadline = time.monotonic() + SERVER_WAIT_SECONDS
    while not server_answers(url):
        if time.monotonic() > deadline or any(child.poll() is not None for child in children):
            print(f"The server does not answer at {url}; see the messages above.", flush=True)
            return
        time.sleep(0.3)
    time.sleep(BANNER_GRACE_SECONDS if len(children) > 1 else 0)
    # Its own process, so that the links are minted with the same settings as the server's.
    subprocess.run([PY, "manage.py", "demo_links"], cwd=ROOT, check=False)  # noqa: S603 - fixed command


def main() -> int:
    children = [subprocess.Popen(cmd, cwd=ROOT) for cmd in commands()]  # noqa: S603 - our own fixed commands

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        print_links_when_serving(children)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return max((child.returncode or 0) for child in children)


if __name__ == "__main__":
    sys.exit(main())
