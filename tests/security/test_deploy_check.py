"""Production settings pass Django's deployment checks (run as production runs: a separate
process with the environment of .env.example, DEBUG off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "k3y-" + "x9Yq2Lw8Zr" * 6,
        "ALLOWED_HOSTS": "survey.example.org",
        "SITE_URL": "https://survey.example.org",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        **extra,
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE / "manage.py"), *args], env=env, cwd=BASE, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = _run(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_proxy_header_comes_from_the_environment(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
    result = _run(_production_env(tmp_path), "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https') 31536000 True"


def test_check_deploy_complains_when_hsts_is_switched_off(tmp_path: Path) -> None:
    # The check really looks: without HSTS it warns (and so the clean run above means something).
    result = _run(_production_env(tmp_path, SECURE_HSTS_SECONDS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr
