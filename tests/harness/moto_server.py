"""Start and stop a moto server subprocess on 127.0.0.1 for emulator tests.

Why a subprocess (not moto's in-process mock): terraform and its provider are separate
processes and need a real HTTP endpoint.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
# No proxies: emulator traffic must go straight to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    """A running moto server; use as a context manager or call stop()."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    _log: IO[bytes] | None = field(repr=False, default=None)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        """True once the server responds to HTTP at all (any status code)."""
        try:
            with _OPENER.open(f"{self.endpoint_url}/moto-api/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def reset(self) -> None:
        """Forget every emulated resource (POST /moto-api/reset), e.g. between tests."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with _OPENER.open(request, timeout=30):
            pass

    def log_tail(self, limit: int = 20_000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-limit:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_moto_server(log_path: Path | str | None = None, timeout: float = 60.0) -> MotoServer:
    """Start `python -m tests.harness.moto_entry` on a free port and wait until it answers.

    All moto output goes to `log_path` (default: a fresh temp file) for diagnosis.
    """
    path = Path(log_path) if log_path else Path(tempfile.mkdtemp(prefix="moto-")) / "moto.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    # AWS managed policies (AmazonRDSEnhancedMonitoringRole, AWSBackupServiceRolePolicyForBackup, ...) exist
    # in every real account; moto loads them only when asked.
    # ACM certificates turn ISSUED after MOTO_ACM_VALIDATION_WAIT seconds (default 60); the validation
    # records exist from the start, so a shorter wait only shortens the apply.
    env = {**os.environ, "PYTHONPATH": python_path, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
           "MOTO_ACM_VALIDATION_WAIT": "10"}
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        log = path.open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.harness.moto_entry", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        server = MotoServer(process, port, path, log)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if server.answers():
                return server
            time.sleep(0.2)
        server.stop()
    raise RuntimeError(f"moto server did not start; log {path}:\n{server.log_tail()}")
