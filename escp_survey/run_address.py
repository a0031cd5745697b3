"""Where `make run` serves, and the SITE_URL that follows it (no Django import: bin/run.py
reads it before Django starts).

`RUN_ADDRESS` (host:port) wins; else `PORT` on 127.0.0.1; else 127.0.0.1:8000.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_PORT = "8000"
# An address that listens everywhere is not one a browser can open: links use loopback.
_ANY_HOST = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "": "127.0.0.1"}  # noqa: S104 - a name, not a bind


def run_address(environ: Mapping[str, str]) -> str:
    address = environ.get("RUN_ADDRESS", "").strip()
    if address:
        # runserver accepts a bare port too.
        return address if ":" in address else f"127.0.0.1:{address}"
    return f"127.0.0.1:{environ.get('PORT', '').strip() or DEFAULT_PORT}"


def site_url_for(address: str) -> str:
    host, _, port = address.rpartition(":")
    host = _ANY_HOST.get(host, host)
    return f"http://{host}:{port}"
