"""Start jsii's Node kernel directly, without the relay process jsii puts in front of it.

jsii's Python runtime starts `node bin/jsii-runtime.js`, a relay that starts the kernel (`lib/program.js`)
as its own child and copies every request and response between its stdin/stdout and the kernel's fd 3, so
each of the ~18,000 calls of `main.py --all` crosses one more process (~2 s of its ~12 s). Here the kernel
is started as the relay would start it (same node, flags, environment and script), with one end of a
socket pair as its fd 3 and the other end as the channel jsii writes requests to and reads responses from.
What the kernel prints still reaches this process's stdout and stderr, as the relay forwarded it.

Safety: taken only with the jsii version it was verified with, when the kernel script still opens its
channel on fd 3, on POSIX, and without JSII_RUNTIME (a runtime of one's own). Otherwise, or with
PLATFORM_STOCK_JSII_PROCESS=1, jsii starts as it ships (a warning says why when the layout changed).
"""

from __future__ import annotations

import atexit
import importlib.metadata
import os
import platform
import selectors
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import IO, Any

DISTRIBUTION = "jsii"
EXPECTED_VERSION = "1.142.0"
STOCK_SWITCH = "PLATFORM_STOCK_JSII_PROCESS"
KERNEL_CHANNEL = "readFD:3,writeFD:3"
"""How lib/program.js opens its request/response channel (SyncStdio) in the verified version."""
KERNEL_FLAGS = ("--max-old-space-size=4069", "--preserve-symlinks")
"""What jsii starts the relay with, plus what the relay adds when it starts the kernel."""


def install() -> str:
    """Make jsii start its kernel directly if safe; returns 'direct' or 'stock'."""
    if os.environ.get(STOCK_SWITCH) == "1" or os.environ.get("JSII_RUNTIME") or os.name != "posix":
        return "stock"
    version = importlib.metadata.version(DISTRIBUTION)
    if version != EXPECTED_VERSION:
        warnings.warn(f"direct jsii kernel start disabled, using jsii's relay process (slower): {DISTRIBUTION} is "
                      f"{version}, the shortcut was verified on {EXPECTED_VERSION}", stacklevel=2)
        return "stock"
    from jsii._kernel.providers import process  # noqa: PLC0415  (jsii only once it is known to be the verified one)

    stock_start = process._NodeProcess.start
    if not getattr(stock_start, "__platform_direct__", False):
        def start(node_process: Any) -> None:
            _start_kernel(node_process, stock_start)

        start.__platform_direct__ = True  # type: ignore[attr-defined]
        process._NodeProcess.start = start
    return "direct"


def _start_kernel(node_process: Any, stock_start: Any) -> None:
    """jsii's _NodeProcess.start, without the relay; jsii's own stop() ends the kernel as before."""
    program = Path(node_process._jsii_runtime()).parent.parent / "lib" / "program.js"  # as the relay finds it
    if not program.is_file() or KERNEL_CHANNEL not in program.read_text(encoding="utf-8"):
        warnings.warn(f"direct jsii kernel start disabled, using jsii's relay process (slower): {program} does not "
                      f"open its channel with {KERNEL_CHANNEL!r}", stacklevel=2)
        stock_start(node_process)
        return
    environ = {**os.environ, "JSII_AGENT": f"Python/{platform.python_version()}"}
    ours, theirs = socket.socketpair()
    node = environ.get("JSII_NODE", "node")
    with theirs:  # handed over as stdin, which the shell moves to fd 3, where the kernel reads and writes
        kernel = subprocess.Popen(["/bin/sh", "-c", 'exec "$@" 3<&0 0</dev/null', "sh", node, *KERNEL_FLAGS,
                                   str(program)], stdin=theirs, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=environ)
    node_process._process = _KernelChannel(kernel, ours)
    node_process.sink_thread = threading.Thread(name="jsii kernel output", target=_forward_output, daemon=True,
                                                args=(kernel.stdout, kernel.stderr))
    node_process.sink_thread.start()
    atexit.register(node_process.stop)
    node_process.handshake()


class _KernelChannel:
    """What jsii's _NodeProcess uses of its Popen: stdin (requests), stdout (responses), stderr, wait, terminate."""

    def __init__(self, kernel: subprocess.Popen[bytes], channel: socket.socket) -> None:
        self._kernel = kernel
        self.stdin = _RequestWriter(channel)
        self.stdout = channel.makefile("rb")
        self.stderr = kernel.stderr

    def wait(self, timeout: float | None = None) -> int:
        return self._kernel.wait(timeout=timeout)

    def terminate(self) -> None:
        self._kernel.terminate()


class _RequestWriter:
    """The write side of the channel; closing it also tells the kernel that no request follows."""

    def __init__(self, channel: socket.socket) -> None:
        self._channel = channel
        self._file = channel.makefile("wb")

    @property
    def closed(self) -> bool:
        return self._file.closed

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            try:
                self._file.close()
                self._channel.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the kernel is gone already


def _forward_output(stdout: IO[bytes], stderr: IO[bytes]) -> None:
    """The kernel's own output to ours, stdout to stdout and stderr to stderr, until it closes both. Keeps
    draining even if writing fails: a full pipe would stop the kernel."""
    targets = {stdout: sys.stdout, stderr: sys.stderr}
    with selectors.DefaultSelector() as selector:
        for pipe in targets:
            selector.register(pipe, selectors.EVENT_READ)
        while targets:
            for key, _ in selector.select():
                pipe = key.fileobj
                data = os.read(pipe.fileno(), 65536)  # type: ignore[union-attr]
                if data:
                    _write(targets[pipe], data)  # type: ignore[index]
                else:
                    selector.unregister(pipe)
                    del targets[pipe]  # type: ignore[arg-type]


def _write(target: IO[str], data: bytes) -> None:
    try:
        target.flush()
        if hasattr(target, "buffer"):
            target.buffer.write(data)
            target.buffer.flush()
        else:
            target.write(data.decode(errors="replace"))
    except (OSError, ValueError):
        pass  # our stream is closed or broken: the output has nowhere to go
