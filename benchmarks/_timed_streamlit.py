"""``streamlit`` with every script run timed on the server, for the load benchmark.

Run as ``python benchmarks/_timed_streamlit.py run app.py …`` (the arguments of the
``streamlit`` command) with ``OPTIL_GEO_BENCH_RUN_LOG`` naming a file. The app is
not changed: two of Streamlit's methods are wrapped before it starts.

- ``AppSession.request_rerun`` (on the server's event loop, when a browser's rerun
  request arrives) notes the time per session;
- ``ScriptRunner._run_script`` (in the session's script thread) measures the run:
  the wait since the request, the wall time from start to end (a rerun the script
  asks for with ``st.rerun`` is part of it, as the browser sees it) and the CPU time
  of the script thread itself (``time.thread_time``: what the run costs, without
  the time it waited for the GIL while other sessions' scripts ran);
- a ``gc.callbacks`` hook times Python's garbage collections per thread, so each
  run also records the collector's CPU time in it and its full collections.

One JSON line per run is appended to the file. Only for benchmarks: it relies on
private Streamlit methods (checked with Streamlit 1.67).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from streamlit.runtime.app_session import AppSession
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.web.cli import main

_LOG = Path(os.environ["OPTIL_GEO_BENCH_RUN_LOG"])
_LOCK = threading.Lock()
_REQUESTED: dict[str, float] = {}

_request_rerun = AppSession.request_rerun
_run_script = ScriptRunner._run_script


# Garbage collections, timed per thread: a full one can cost a run as much as its work.
_GC = threading.local()


def _gc_timer(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _GC.began = time.thread_time()
        return
    spent = time.thread_time() - getattr(_GC, "began", time.thread_time())
    _GC.seconds = getattr(_GC, "seconds", 0.0) + spent
    if info.get("generation") == 2:
        _GC.full = getattr(_GC, "full", 0) + 1


gc.callbacks.append(_gc_timer)


def _timed_request(self: AppSession, client_state: Any) -> None:
    _REQUESTED[self.id] = time.perf_counter()
    _request_rerun(self, client_state)


def _timed_run(self: ScriptRunner, rerun_data: Any) -> None:
    began, cpu = time.perf_counter(), time.thread_time()
    _GC.seconds, _GC.full = 0.0, 0
    session = self._session_id
    requested = _REQUESTED.pop(session, began)
    try:
        _run_script(self, rerun_data)
    finally:
        record = {
            "session": session,
            "page": rerun_data.page_name,
            "widgets": len(rerun_data.widget_states.widgets) if rerun_data.widget_states else 0,
            "wait": began - requested,
            "wall": time.perf_counter() - began,
            "cpu": time.thread_time() - cpu,
            "gc": _GC.seconds,
            "gc_full": _GC.full,
            "end": time.time(),
        }
        with _LOCK, _LOG.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")


AppSession.request_rerun = _timed_request  # type: ignore[method-assign]
ScriptRunner._run_script = _timed_run  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.argv[0] = "streamlit"
    sys.exit(main())
