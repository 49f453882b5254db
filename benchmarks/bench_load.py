"""Benchmark N simultaneous sessions against one app server: rerun times, errors, memory.

Starts the app on a free port on 127.0.0.1 (temporary workspace, demo data) and
drives N sessions at once with Streamlit's own websocket protocol, as the browser's
frontend does: each session connects to ``/_stcore/stream``, asks for the Kaart page
(a ``rerun_script`` BackMsg with ``page_name="kaart"``), waits for the server's
``script_finished``, then changes a filter (the sidebar's "Subsidierondes"
multiselect, found by its label in the deltas the server sent, set to one round as
a ``string_array_value`` widget state) and waits again.

Where the time goes is measured on the server itself: the app runs under
``benchmarks/_timed_streamlit.py``, which times every script run in the server
process (the app is unchanged). Per rerun it prints:

- *script wall*: from the script's start to its end on the server. This is the
  server-side time per rerun. With N sessions at once it includes the time a
  script waits for the interpreter while the other sessions' scripts run (one
  Python process runs one script at a time: the GIL);
- *script CPU*: the CPU time of the script's own thread: what one rerun costs;
- *garbage collection*: the CPU time Python's collector took inside these runs, and
  how many full collections (they walk every object the process holds);
- *queue*: from the request reaching the server to the script starting;
- *client view*: from the client sending the request to receiving
  ``script_finished`` (all of the above, plus sending the page over loopback and
  the load generator's own parsing, which shares the machine's cores).

It also prints errors (failed connections, timeouts, exception or error boxes in
the page); the server's RSS before the sessions, its peak during them (sampled
every 50 ms), and after they closed; the CPU time of the server and of the load
generator.

With ``--browsers K`` it then opens K real Chromium pages at once on the same
server (Kaart, first map drawn, then the same filter change) and prints the wall
time per page next to the server's script time for those pages and the CPU time
used by Chromium and by the server, so that the clients' own share of the wall time
on this machine can be read off.

Reproduce: ``python benchmarks/bench_load.py --sessions 20 --browsers 4``.
What the websocket clients do not do: render the map, and send st_folium's
component value back (a real browser does, which costs one more rerun per map).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _server import (
    ALL_DRAWN,
    CHROMIUM,
    CHROMIUM_ARGS,
    MARK_DRAWN,
    REDRAWN,
    RssSampler,
    Server,
    cpu_s,
    descendants,
    read_runs,
    rss_mb,
    start_server,
    wait_runs,
)
from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

ROUNDS = ("2020-1", "2020-2", "2021-1", "2021-2", "2022-1", "2022-2")  # the demo's
ROUND_LABEL = "Subsidierondes"
RUN_TIMEOUT_S = 300.0
BROWSER_TIMEOUT_S = 120.0
_ALERT_ERROR = 1  # Alert.Format.ERROR


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
        self.page_path = ""  # the page the server last ran (its address)
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
            if kind == "navigation":
                # The page the script ran, as the browser's frontend remembers it: sent
                # back with the next request. (``new_session`` names the main script,
                # whose hash would make the server run the default page instead.)
                self.page_hash = fwd.navigation.page_script_hash
                self.page_path = next(
                    (
                        p.url_pathname
                        for p in fwd.navigation.app_pages
                        if p.page_script_hash == self.page_hash
                    ),
                    "",
                )
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._read_element(fwd.delta.new_element, errors)
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # the script was rerun (st.rerun): wait for that run
                if self.page_path != page_name:
                    errors.append(f"the server ran page {self.page_path!r}, not {page_name!r}")
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
    """Client-observed time per rerun of one session alone (warm server)."""
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


async def _in_map(page: Any, script: str) -> Any:
    """Evaluate ``script`` in the map's frame (None while there is none)."""
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            try:
                return await frame.evaluate(script)
            except Exception:
                continue
    return None


async def _wait_map(page: Any, script: str, timeout_s: float = BROWSER_TIMEOUT_S) -> None:
    """Wait until ``script`` is true in the map's frame."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await _in_map(page, script):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the map did not reach the expected state in {timeout_s:.0f} s")


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
        await page.goto(f"http://127.0.0.1:{port}/kaart", wait_until="domcontentloaded")
        await _wait_map(page, ALL_DRAWN)
        out["first_map"] = time.perf_counter() - began
        await asyncio.sleep(1.5)  # st_folium sends its value back: let that rerun pass
        await _in_map(page, MARK_DRAWN)
        sidebar = page.locator('[data-testid="stSidebar"]')
        rounds = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text=ROUND_LABEL)
        await rounds.locator("input").click()
        await page.keyboard.type(ROUNDS[index % len(ROUNDS)])
        began = time.perf_counter()
        await page.keyboard.press("Enter")
        # Every municipality polygon replaced by the filtered map's.
        await _wait_map(page, REDRAWN)
        out["filter"] = time.perf_counter() - began
    except Exception as exc:
        out["errors"].append(f"{type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await context.close()
    return out


async def _browsers(server: Server, k: int) -> dict[str, Any]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        clients = descendants(os.getpid())
        cpu_clients = cpu_s(clients, reaped=True)
        cpu_server = cpu_s([server.pid])
        _, offset = read_runs(server)
        began = time.perf_counter()
        results = await asyncio.gather(*(_one_browser(browser, server.port, i) for i in range(k)))
        wall = time.perf_counter() - began
        # Renderers started since, and those of closed pages (reaped by Chromium).
        clients = descendants(os.getpid())
        used_clients = cpu_s(clients, reaped=True) - cpu_clients
        used_server = cpu_s([server.pid]) - cpu_server
        await asyncio.sleep(1)  # a run's record is written just after its end went out
        runs, _ = read_runs(server, offset)
        await browser.close()
    return {
        "results": results,
        "wall": wall,
        "cpu_clients": used_clients,
        "cpu_server": used_server,
        "runs": runs,
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


def _runs_of(runs: list[dict[str, Any]], *, filtered: bool) -> list[dict[str, Any]]:
    """The Kaart runs that opened the page (no widget state) or changed a filter."""
    return [r for r in runs if r["page"] == "kaart" and (r["widgets"] > 0) == filtered]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="simultaneous sessions")
    parser.add_argument(
        "--browsers", type=int, default=0, help="then K real Chromium pages at once (0: none)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "workspace.sqlite", timed=True)
        try:
            rss_start = rss_mb(server.pid)
            # One session first: the reference geography and the demo's analysis are
            # built once per process; the load is measured on a warm server.
            began = time.perf_counter()
            (cold,), _ = asyncio.run(_sessions(server.port, 1))
            cold_s = time.perf_counter() - began
            _, offset = wait_runs(server, 0, 2)
            alone = asyncio.run(_one_after_another(server.port, 3))
            alone_runs, offset = wait_runs(server, offset, 2 * 3)
            rss_before = rss_mb(server.pid)
            cpu_before, own_before = cpu_s([server.pid]), time.process_time()
            with RssSampler(server.pid) as sampler:
                results, wall = asyncio.run(_sessions(server.port, args.sessions))
            cpu_used = cpu_s([server.pid]) - cpu_before
            own_used = time.process_time() - own_before
            load_runs, offset = wait_runs(server, offset, 2 * args.sessions)
            time.sleep(5)  # sessions closed; let the server drop them
            rss_after = rss_mb(server.pid)
            browsers = asyncio.run(_browsers(server, args.browsers)) if args.browsers else None
        finally:
            server.stop()

    errors = [e for r in results for e in r["errors"]]
    n = args.sessions
    print(
        f"optil-geo load: {n} simultaneous websocket sessions, demo data, "
        f"{os.cpu_count()} CPU cores"
    )
    print(
        f"  cold first Kaart run (1 session, caches empty): {cold_s:.2f} s"
        f"{' · errors: ' + '; '.join(cold['errors']) if cold['errors'] else ''}"
    )
    steps = (("kaart", "open Kaart", False), ("filter", "change a filter", True))
    print("  one session alone (warm server), per rerun:")
    for name, label, filtered in steps:
        runs = _runs_of(alone_runs, filtered=filtered)
        print(f"    {label:<15} script wall {_stats([r['wall'] for r in runs])}")
        print(f"    {'':<15} script CPU  {_stats([r['cpu'] for r in runs])}")
        print(f"    {'':<15} client view {_stats(alone[name])}")
    print(f"  {n} at once, per rerun (server-side: script wall; the target is its p95 <= 1 s):")
    for name, label, filtered in steps:
        runs = _runs_of(load_runs, filtered=filtered)
        seen = [r["runs"][name].seconds for r in results if name in r["runs"]]
        print(f"    {label:<15} script wall {_stats([r['wall'] for r in runs])}")
        print(f"    {'':<15} script CPU  {_stats([r['cpu'] for r in runs])}")
        print(f"    {'':<15} queue       {_stats([r['wait'] for r in runs])}")
        print(f"    {'':<15} client view {_stats(seen)}")
        full = sum(r.get("gc_full", 0) for r in runs)
        collected = sum(r.get("gc", 0.0) for r in runs)
        print(
            f"    {'':<15} garbage collection in these runs: {collected:.2f} s CPU,"
            f" {full} full collection{'' if full == 1 else 's'}"
        )
    script_cpu = sum(r["cpu"] for r in load_runs)
    print(
        f"  wall time for all sessions: {wall:.2f} s · server CPU {cpu_used:.1f} s "
        f"({100 * cpu_used / wall:.0f} % of one core; scripts' own threads {script_cpu:.1f} s)"
        f" · load generator CPU {own_used:.1f} s"
    )
    print(f"  errors: {len(errors)}" + "".join(f"\n    - {e}" for e in errors[:10]))
    print(
        f"  server RSS: at start {rss_start:.0f} MB · before the sessions (warm) "
        f"{rss_before:.0f} MB · peak {sampler.peak:.0f} MB · after {rss_after:.0f} MB"
    )
    if browsers:
        _print_browsers(browsers, args.browsers)
    print(
        f"\nReproduce: python benchmarks/bench_load.py --sessions {n}"
        + (f" --browsers {args.browsers}" if args.browsers else "")
    )


def _print_browsers(browsers: dict[str, Any], k: int) -> None:
    res = browsers["results"]
    b_errors = [e for r in res for e in r["errors"]]
    print(f"\n{k} real Chromium pages at once on the same (warm) server:")
    first = [r["first_map"] for r in res if "first_map" in r]
    change = [r["filter"] for r in res if "filter" in r]
    print(f"  first map drawn (304 municipalities):       {_stats(first)}")
    print(f"  filter change to every municipality redrawn: {_stats(change)}")
    runs = browsers["runs"]
    print(
        f"  server script runs for these pages: {len(runs)} "
        f"(st_folium's value and the page's own reruns included) · "
        f"script wall {_stats([r['wall'] for r in runs])}"
    )
    # Per page: the time its scripts ran on the server against the time the person waited.
    per_page_server = sum(r["wall"] + r["wait"] for r in runs) / max(k, 1)
    per_page_wall = (sum(first) + sum(change)) / max(len(first), 1)
    if per_page_wall:
        client = max(0.0, 1 - per_page_server / per_page_wall)
        print(
            f"  per page: waited {per_page_wall:.1f} s, of which its scripts ran (or queued) on the"
            f" server {per_page_server:.1f} s → the rest, {100 * client:.0f} %, is the browser's"
            " own work (parsing, drawing the map) and the transfer"
        )
    clients, server = browsers["cpu_clients"], browsers["cpu_server"]
    share = clients / (clients + server) if clients + server else 0.0
    print(
        f"  wall {browsers['wall']:.1f} s · CPU: Chromium {clients:.1f} s, server "
        f"{server:.1f} s → the clients' own work is {100 * share:.0f} % of the CPU "
        f"time spent ({os.cpu_count()} cores shared)"
    )
    print(f"  errors: {len(b_errors)}" + "".join(f"\n    - {e}" for e in b_errors[:10]))


if __name__ == "__main__":
    main()
