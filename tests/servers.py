"""Real servers for the tests: a free loopback port, waiting until a server answers, and a stop
that always ends the process. `gonghui serve` has its own starter, which also reads its banner;
LiveServer runs an app in a thread of the test process.

Imported as `servers`: tests/ has no __init__.py, so pytest puts this folder on sys.path.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import uvicorn

SRC = Path(__file__).resolve().parent.parent / "src"
STOP_SECONDS = 20   # Virtuoso needs this long to shut down cleanly; the others take far less


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Ask the process to stop with `sig`; kill it if it is still there after STOP_SECONDS."""
    proc.send_signal(sig)
    try:
        proc.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(cmd: list[str], url: str, seconds: float = 20, **popen) -> Iterator[subprocess.Popen]:
    """Start `cmd`, wait until `url` answers and yield the process; it is stopped however the block ends."""
    with subprocess.Popen(cmd, **popen) as proc:   # closes its pipes on the way out
        try:
            wait_until_up(url, proc, seconds)
            yield proc
        finally:
            stop(proc)


class Served(NamedTuple):
    url: str        # http://127.0.0.1:<port>
    port: int
    proc: subprocess.Popen
    banner: str     # the first line `gonghui serve` prints


@contextlib.contextmanager
def running_serve(*args: str, cwd: Path | None = None, sig: int = signal.SIGTERM) -> Iterator[Served]:
    """`gonghui serve *args` from this checkout's src/ on a free loopback port, stopped with `sig`."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", "from gonghui.cli import main; main()", "serve",
                             *args, "--port", str(port)],
                            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Read all after the banner in the background: a full pipe would block the server.
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.extend(proc.stdout), daemon=True)
    try:
        banner = proc.stdout.readline()   # printed once the query workers are ready
        reader.start()
        url = f"http://127.0.0.1:{port}"
        try:
            # The banner comes just before uvicorn binds the port.
            wait_until_up(url + "/", proc)
        except RuntimeError as exc:
            reader.join(2)   # the dying server's last lines
            raise RuntimeError(f"{exc}\n{banner}{''.join(rest)}") from None
        yield Served(url, port, proc, banner)
    finally:
        stop(proc, sig)
        if reader.ident is not None:
            reader.join(5)
        if not reader.is_alive():   # closing under a blocked reader could hang
            proc.stdout.close()


class LiveServer:
    """uvicorn in a thread of this process, serving an app built by `gonghui.serve.create_app`
    (for tests that look inside the app; `running_serve` runs the command itself)."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
