"""Benchmark N simultaneous sessions against one app server: rerun times, errors, memory.

Starts the app on a free port on 127.0.0.1 (temporary workspace, demo data) and
drives N sessions at once with Streamlit's own websocket protocol, as the browser's
frontend does: each session connects to ``/_stcore/stream``, asks for the Kaart page
(a ``rerun_script`` BackMsg with ``page_name="kaart"``), waits for the server's
``script_finished``, then changes a filter (the sidebar's "Subsidierondes"
multiselect, found by its label in the deltas the server sent, set to one round as
a ``string_array_value`` widget state) and waits again. The clients render nothing,
so the time from sending a rerun to its ``script_finished`` is the server's time per
rerun (script run + queueing behind the other sessions + loopback).

Printed: server-side time per rerun (median, p95, max) for the first Kaart run and
for the filter change; errors (failed connections, timeouts, exception or error
boxes in the page); the server's RSS before the sessions, its peak during them
(sampled every 50 ms), and after they closed; the server's CPU time.

With ``--browsers K`` it then opens K real Chromium pages at once on the same
server (Kaart, first map drawn, then the same filter change) and prints the wall
time per page next to the CPU time used by Chromium and by the server, so that the
clients' own share of the wall time on this machine can be read off.

Reproduce: ``python benchmarks/bench_load.py --sessions 20 --browsers 4``.
What the websocket clients do not do: render the map, and send st_folium's
component value back (a real browser does, which costs one more rerun per map).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

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
ROUNDS = ("2020-1", "2020-2", "2021-1", "2021-2", "2022-1", "2022-2")  # the demo's
ROUND_LABEL = "Subsidierondes"
RUN_TIMEOUT_S = 300.0
_ALERT_ERROR = 1  # Alert.Format.ERROR
_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(workspace: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "OPTIL_GEO_WORKSPACE": str(workspace)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
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
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return proc, port
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("the app did not start within 60 s")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (0 for those that are gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


class RssSampler:
    """Sample a process's RSS every 50 ms in a thread; keep the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> RssSampler:
        self.peak = _rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------- sessions


@dataclass
class Run:
    """One rerun as the server answered it."""

    seconds: float
    status: str
    errors: list[str] = field(default_factory=list)
    bytes_received: int = 0


class Session:
    """One browser session, spoken in Streamlit's websocket protocol."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.widgets: dict[str, str] = {}  # label -> widget id
        self.options: dict[str, list[str]] = {}  # label -> the options offered
        self.page_hash = ""
        self._ws: Any = None

    async def __aenter__(self) -> Session:
        self._ws = await connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=f"http://127.0.0.1:{self.port}",  # type: ignore[arg-type]
            max_size=None,
            open_timeout=60,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    async def rerun(self, *, page_name: str, widgets: Sequence[WidgetState] = ()) -> Run:
        """Ask for a run and wait for its ``script_finished``; return what it took."""
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = page_name
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(widgets)
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        errors: list[str] = []
        received = 0
        while True:
            data = await asyncio.wait_for(self._ws.recv(), RUN_TIMEOUT_S)
            received += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._read_element(fwd.delta.new_element, errors)
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # the script was rerun (st.rerun): wait for that run
                return Run(time.perf_counter() - start, status, errors, received)

    def _read_element(self, element: Any, errors: list[str]) -> None:
        which = element.WhichOneof("type")
        if which == "exception":
            errors.append(f"exception: {element.exception.message[:120]}")
        elif which == "alert" and element.alert.format == _ALERT_ERROR:
            errors.append(f"error box: {element.alert.body[:120]}")
        elif which == "multiselect":
            self.widgets[element.multiselect.label] = element.multiselect.id
            self.options[element.multiselect.label] = list(element.multiselect.options)


def _round_filter(session: Session, round_: str) -> list[WidgetState]:
    widget_id = session.widgets.get(ROUND_LABEL)
    if widget_id is None:
        raise RuntimeError(f"the page has no {ROUND_LABEL!r} filter")
    if round_ not in session.options[ROUND_LABEL]:
        raise RuntimeError(f"round {round_!r} is not offered: {session.options[ROUND_LABEL]}")
    state = WidgetState(id=widget_id)
    state.string_array_value.data.append(round_)
    return [state]


async def _one_session(port: int, index: int, start: asyncio.Event) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": {}, "errors": []}
    await start.wait()
    try:
        async with Session(port) as session:
            first = await session.rerun(page_name="kaart")
            out["runs"]["kaart"] = first
            change = await session.rerun(
                page_name="kaart", widgets=_round_filter(session, ROUNDS[index % len(ROUNDS)])
            )
            out["runs"]["filter"] = change
            out["errors"] += first.errors + change.errors
            out["errors"] += [
                f"status {r.status}" for r in (first, change) if r.status[-12:] != "SUCCESSFULLY"
            ]
    except Exception as exc:  # a failed session is an error to count, not a crash
        out["errors"].append(f"{type(exc).__name__}: {exc}")
    return out


async def _one_after_another(port: int, repeat: int) -> dict[str, list[float]]:
    """Server time per rerun of one session alone (warm server): the cost of a rerun."""
    times: dict[str, list[float]] = {"kaart": [], "filter": []}
    for i in range(repeat):
        async with Session(port) as session:
            times["kaart"].append((await session.rerun(page_name="kaart")).seconds)
            widgets = _round_filter(session, ROUNDS[i % len(ROUNDS)])
            times["filter"].append(
                (await session.rerun(page_name="kaart", widgets=widgets)).seconds
            )
    return times


async def _sessions(port: int, n: int) -> tuple[list[dict[str, Any]], float]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one_session(port, i, start)) for i in range(n)]
    began = time.perf_counter()
    start.set()  # all at once
    results = await asyncio.gather(*tasks)
    return list(results), time.perf_counter() - began


# --------------------------------------------------------------------------- browsers


COUNT = """() => {
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


async def _map_counts(page: Any) -> tuple[int, int]:
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            try:
                return tuple(await frame.evaluate(COUNT))
            except Exception:
                continue
    return (0, 0)


async def _wait_map(page: Any, predicate: Any, timeout_s: float = RUN_TIMEOUT_S) -> tuple[int, int]:
    deadline = time.monotonic() + timeout_s
    counts = (0, 0)
    while time.monotonic() < deadline:
        counts = await _map_counts(page)
        if predicate(counts):
            return counts
        await asyncio.sleep(0.05)
    raise TimeoutError(f"map never reached the expected state (last {counts})")


async def _one_browser(browser: Any, port: int, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {"errors": []}
    context = await browser.new_context(viewport={"width": 1400, "height": 950})
    await context.route(
        "**/*",
        lambda route, request: (
            route.continue_()
            if "127.0.0.1" in request.url or request.url.startswith("data:")
            else route.abort()
        ),
    )
    page = await context.new_page()
    try:
        began = time.perf_counter()
        # All flows (not the top 120), so that a filter visibly changes their number.
        await page.goto(f"http://127.0.0.1:{port}/kaart?topn=600", wait_until="domcontentloaded")
        before = await _wait_map(page, lambda c: c[0] == 304 and c[1] > 0)
        out["first_map"] = time.perf_counter() - began
        sidebar = page.locator('[data-testid="stSidebar"]')
        rounds = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text=ROUND_LABEL)
        began = time.perf_counter()
        await rounds.locator("input").click()
        await page.keyboard.type(ROUNDS[index % len(ROUNDS)])
        await page.keyboard.press("Enter")
        await _wait_map(page, lambda c: c[0] == 304 and c[1] != before[1])
        out["filter"] = time.perf_counter() - began
    except Exception as exc:
        out["errors"].append(f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await context.close()
    return out


def _chromium_pids(parent: int) -> list[int]:
    """Every process below ``parent`` (Playwright's driver and Chromium)."""
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


async def _browsers(port: int, k: int, server_pid: int) -> dict[str, Any]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        clients = _chromium_pids(os.getpid())
        cpu_clients, cpu_server = _cpu_s(clients), _cpu_s([server_pid])
        began = time.perf_counter()
        results = await asyncio.gather(*(_one_browser(browser, port, i) for i in range(k)))
        wall = time.perf_counter() - began
        clients = _chromium_pids(os.getpid())  # renderers started since
        used_clients = _cpu_s(clients) - cpu_clients
        used_server = _cpu_s([server_pid]) - cpu_server
        await browser.close()
    return {
        "results": results,
        "wall": wall,
        "cpu_clients": used_clients,
        "cpu_server": used_server,
    }


# --------------------------------------------------------------------------- report


def _stats(values: list[float]) -> str:
    if not values:
        return "no values"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered):6.2f} s · p95 {p95:6.2f} s · "
        f"max {ordered[-1]:6.2f} s  (n={len(ordered)})"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="simultaneous sessions")
    parser.add_argument(
        "--browsers", type=int, default=0, help="then K real Chromium pages at once (0: none)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, port = _start_server(Path(tmp) / "workspace.sqlite")
        try:
            rss_start = _rss_mb(proc.pid)
            # One session first: the reference geography and the demo's analysis are
            # built once per process; the load is measured on a warm server.
            began = time.perf_counter()
            (cold,), _ = asyncio.run(_sessions(port, 1))
            cold_s = time.perf_counter() - began
            alone = asyncio.run(_one_after_another(port, 3))
            rss_before = _rss_mb(proc.pid)
            cpu_before = _cpu_s([proc.pid])
            with RssSampler(proc.pid) as sampler:
                results, wall = asyncio.run(_sessions(port, args.sessions))
            cpu_used = _cpu_s([proc.pid]) - cpu_before
            time.sleep(5)  # sessions closed; let the server drop them
            rss_after = _rss_mb(proc.pid)
            browsers = (
                asyncio.run(_browsers(port, args.browsers, proc.pid)) if args.browsers else None
            )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    errors = [e for r in results for e in r["errors"]]
    print(
        f"optil-geo load: {args.sessions} simultaneous websocket sessions, demo data, "
        f"{os.cpu_count()} CPU cores"
    )
    print(
        f"  cold first Kaart run (1 session, caches empty): {cold_s:.2f} s"
        f"{' · errors: ' + '; '.join(cold['errors']) if cold['errors'] else ''}"
    )
    for name, label in (("kaart", "open Kaart"), ("filter", "change a filter")):
        print(f"  one session alone (warm), {label:<15}: {_stats(alone[name])}")
    for name, label in (("kaart", "open Kaart"), ("filter", "change a filter")):
        times = [r["runs"][name].seconds for r in results if name in r["runs"]]
        print(f"  {args.sessions} at once, server time per rerun, {label:<15}: {_stats(times)}")
    print(
        f"  wall time for all sessions: {wall:.2f} s · server CPU {cpu_used:.1f} s "
        f"({100 * cpu_used / wall:.0f} % of one core)"
    )
    print(f"  errors: {len(errors)}" + "".join(f"\n    - {e}" for e in errors[:10]))
    print(
        f"  server RSS: at start {rss_start:.0f} MB · before the sessions (warm) "
        f"{rss_before:.0f} MB · peak {sampler.peak:.0f} MB · after {rss_after:.0f} MB"
    )
    if browsers:
        res = browsers["results"]
        b_errors = [e for r in res for e in r["errors"]]
        print(f"\n{args.browsers} real Chromium pages at once on the same (warm) server:")
        print(
            f"  first map drawn (304 municipalities + flows): "
            f"{_stats([r['first_map'] for r in res if 'first_map' in r])}"
        )
        print(
            f"  filter change to new flows on the map:        "
            f"{_stats([r['filter'] for r in res if 'filter' in r])}"
        )
        clients, server = browsers["cpu_clients"], browsers["cpu_server"]
        share = clients / (clients + server) if clients + server else 0.0
        print(
            f"  wall {browsers['wall']:.1f} s · CPU: Chromium {clients:.1f} s, server "
            f"{server:.1f} s → the clients' own work is {100 * share:.0f} % of the CPU "
            f"time spent ({os.cpu_count()} cores shared)"
        )
        print(f"  errors: {len(b_errors)}" + "".join(f"\n    - {e}" for e in b_errors[:10]))
    print(
        f"\nReproduce: python benchmarks/bench_load.py --sessions {args.sessions}"
        + (f" --browsers {args.browsers}" if args.browsers else "")
    )


if __name__ == "__main__":
    main()
