"""Start the app for a benchmark, and read a process's memory and CPU time.

One app server on a free loopback port with a temporary workspace, started as a
browser would meet it (headless, no usage statistics, no file watcher). With
``timed=True`` it runs under :mod:`_timed_streamlit`, which records every script run
on the server (see :func:`read_runs`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("OPTIL_GEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: In the map frame: [municipality polygons, flow lines] drawn by Leaflet.
COUNT_LAYERS = """() => {
    if (!window.map) return [0, 0];
    let municipalities = 0, flows = 0;
    window.map.eachLayer((layer) => {
        const f = layer.feature;
        if (f && f.properties && f.properties.nis && f.geometry.type.includes("Polygon")) {
            municipalities += 1;
        } else if (f && f.geometry.type === "LineString") {
            flows += 1;
        }
    });
    return [municipalities, flows];
}"""
#: In the map frame: whether the 304 municipalities are drawn.
ALL_DRAWN = """() => {
    if (!window.map) return false;
    let n = 0;
    window.map.eachLayer((layer) => {
        const f = layer.feature;
        if (f && f.properties && f.properties.nis && f.geometry.type.includes("Polygon")) n += 1;
    });
    return n === 304;
}"""
#: In the map frame: mark every layer drawn now (see :data:`REDRAWN`).
MARK_DRAWN = """() => {
    window.map.eachLayer((layer) => { layer._benchOld = true; });
    return true;
}"""
#: In the map frame: whether all 304 municipality polygons were replaced since marked.
REDRAWN = """() => {
    if (!window.map) return false;
    let fresh = 0, old = 0;
    window.map.eachLayer((layer) => {
        const f = layer.feature;
        if (f && f.properties && f.properties.nis && f.geometry.type.includes("Polygon")) {
            if (layer._benchOld) { old += 1; } else { fresh += 1; }
        }
    });
    return fresh === 304 && old === 0;
}"""
START_TIMEOUT_S = 60.0
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running app server (its own process group)."""

    proc: subprocess.Popen[bytes]
    port: int
    run_log: Path | None

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.proc.pid

    @property
    def url(self) -> str:
        """The app's address."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 30) -> None:
        """Stop the server (SIGTERM to its group, SIGKILL if it does not go)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass


def start_server(workspace: Path, *, timed: bool = False) -> Server:
    """Start the app on a free port with ``workspace``; return once it answers its health check.

    Parameters
    ----------
    workspace
        The workspace file (a temporary one: the benchmark must not touch the user's).
    timed
        Record every script run in ``<workspace folder>/runs.jsonl`` (see :func:`read_runs`).
    """
    port = free_port()
    env = {**os.environ, "OPTIL_GEO_WORKSPACE": str(workspace)}
    run_log = workspace.parent / "runs.jsonl" if timed else None
    if run_log is not None:
        env["OPTIL_GEO_BENCH_RUN_LOG"] = str(run_log)
        launcher = [sys.executable, str(Path(__file__).with_name("_timed_streamlit.py"))]
    else:
        launcher = [sys.executable, "-m", "streamlit"]
    proc = subprocess.Popen(
        [
            *launcher,
            "run",
            str(REPO / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(proc, port, run_log)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with opener.open(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return server
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"the app did not start within {START_TIMEOUT_S:.0f} s")


def read_runs(server: Server, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Return the script runs the server recorded from byte ``offset`` on, and the new offset.

    Each run: ``session`` (id), ``page``, ``widgets`` (how many widget states came
    with the request), ``wait`` (seconds from the request reaching the server to the
    script starting), ``wall`` (script start to end, reruns it asked for included),
    ``cpu`` (CPU seconds of the script's own thread), ``end`` (epoch seconds).
    """
    if server.run_log is None or not server.run_log.exists():
        return [], offset
    with server.run_log.open("rb") as file:
        file.seek(offset)
        data = file.read()
    complete = data[: data.rfind(b"\n") + 1]  # a line being written is left for later
    runs = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return runs, offset + len(complete)


def wait_runs(
    server: Server, offset: int, expected: int, timeout_s: float = 30.0
) -> tuple[list[dict[str, Any]], int]:
    """Like :func:`read_runs`, waiting until ``expected`` runs are recorded (or the timeout).

    A run's record is written just after its ``script_finished`` went out, so a
    client can see the end of a run a moment before its record exists.
    """
    deadline = time.monotonic() + timeout_s
    runs, end = read_runs(server, offset)
    while len(runs) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        runs, end = read_runs(server, offset)
    return runs, end


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pids: list[int], *, reaped: bool = False) -> float:
    """User + system CPU seconds of these processes (0 for those that are gone).

    With ``reaped``, also that of their children that ended and were waited for
    (e.g. the renderer of a closed browser page), which the kernel adds to the parent.
    """
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if reaped:
            total += int(fields[13]) + int(fields[14])
    return total / _TICKS


def descendants(parent: int) -> list[int]:
    """Every process below ``parent`` (e.g. Playwright's driver and Chromium)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [parent]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


class RssSampler:
    """Sample a process's RSS every 50 ms in a thread; keep the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self.peak = rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
