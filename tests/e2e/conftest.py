"""Browser-test harness: Debian's Chromium driven by Playwright, and real Streamlit servers.

Every test in ``tests/e2e`` is marked ``e2e``. Chromium or Playwright missing makes
the tests skip on a developer machine and fail on CI (``CI=true``), so a green CI
run always means the browser tests ran.

Fixtures
--------
browser
    One headless Chromium per session (``OPTIL_GEO_CHROMIUM`` or /usr/bin/chromium).
page, page_log
    A fresh browser context in which every request to a host other than
    127.0.0.1/localhost is aborted and recorded in ``page_log.blocked_urls``;
    console errors, uncaught page errors and HTTP error responses are recorded too.
page_factory
    Makes more pages; ``page_factory(allow_loopback=False)`` blocks every http(s)
    and ws(s) request, loopback too (for pages opened from ``file://``);
    ``page_factory(locale="nl-BE")`` gives the browser that language.
streamlit_server
    Factory that starts ``streamlit run`` on a free loopback port and stops it at
    teardown; the returned :class:`StreamlitServer` can be stopped and started
    again on the same workspace within a test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Request, Route

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APP = REPO_ROOT / "app.py"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces next to the request routing below: no proxy, and no name
    # resolves except localhost, so nothing the routing misses (a WebSocket, a
    # prefetch) can reach the internet either.
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STARTUP_TIMEOUT_S = 60.0
SCRIPT_TIMEOUT_MS = 60_000

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test below tests/e2e with ``e2e``."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _missing(reason: str) -> NoReturn:
    """Skip on a developer machine, fail on CI: CI must run the browser tests."""
    if _on_ci():
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium executable (env ``OPTIL_GEO_CHROMIUM`` or Debian's)."""
    path = os.environ.get("OPTIL_GEO_CHROMIUM") or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        _missing(
            "Chromium not found: install Debian's chromium (sudo apt-get install -y chromium) "
            "or set OPTIL_GEO_CHROMIUM"
        )
    return path


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """The Playwright driver (its own browser download is not needed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing(
            "Playwright not found: pip install 'playwright>=1.45' "
            "(no `playwright install`: Debian's chromium is used)"
        )
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class PageLog:
    """What a page tried to do that a test may want to forbid."""

    blocked_urls: list[str] = field(default_factory=list)
    """Requests aborted: http(s)/ws(s) to another host, or to any host when offline."""
    requested_urls: list[str] = field(default_factory=list)
    """Requests let through (loopback, ``file:``), in order."""
    http_errors: list[str] = field(default_factory=list)
    """Responses with status 400 or more, as ``"404 http://..."``."""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def assert_offline(self) -> None:
        """Fail when the page tried to reach anything outside the machine."""
        assert self.blocked_urls == [], f"requests left the machine: {self.blocked_urls}"


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK_HOSTS


@pytest.fixture
def page_factory(browser: Browser) -> Iterator[Callable[..., tuple[Page, PageLog]]]:
    """Make pages in fresh contexts whose outside requests are aborted and logged."""
    contexts = []

    def make(
        *, allow_loopback: bool = True, log: PageLog | None = None, locale: str | None = None
    ) -> tuple[Page, PageLog]:
        page_log = log if log is not None else PageLog()

        def route(route: Route, request: Request) -> None:
            networked = urlsplit(request.url).scheme in {"http", "https", "ws", "wss"}
            if networked and not (allow_loopback and _is_loopback(request.url)):
                page_log.blocked_urls.append(request.url)
                route.abort("blockedbyclient")
            else:
                page_log.requested_urls.append(request.url)
                route.continue_()

        # ``locale`` sets the browser's language (navigator.languages, Intl formatting).
        options: dict[str, Any] = {"locale": locale} if locale else {}
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on(
            "console",
            lambda msg: page_log.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                page_log.http_errors.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.on(
            "websocket",
            lambda ws: None if _is_loopback(ws.url) else page_log.blocked_urls.append(ws.url),
        )
        return page, page_log

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page_log() -> PageLog:
    """The log of the ``page`` fixture."""
    return PageLog()


@pytest.fixture
def page(page_factory: Callable[..., tuple[Page, PageLog]], page_log: PageLog) -> Page:
    """A page that may reach 127.0.0.1/localhost only; see ``page_log``."""
    new_page, _ = page_factory(log=page_log)
    return new_page


# ------------------------------------------------------------------------- streamlit


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StreamlitServer:
    """A ``streamlit run`` process on a loopback port, restartable.

    Parameters
    ----------
    app : pathlib.Path
        The main script. Streamlit serves ``app.parent / "static"`` at ``/app/static/``.
    log_path : pathlib.Path
        File that receives stdout and stderr (appended to across restarts).
    env : mapping of str to str, optional
        Extra environment variables (e.g. ``OPTIL_GEO_WORKSPACE``) on top of ours.
    cwd : pathlib.Path, default the repository root
        Working directory; Streamlit reads ``.streamlit/config.toml`` from it.
    extra_args : sequence of str
        More ``streamlit run`` options, e.g. ``["--server.maxUploadSize", "5"]``.
    base_url_path : str, default ""
        Serve under a path prefix (``server.baseUrlPath``), as behind a proxy;
        :attr:`url` includes it.
    startup_timeout : float, default 60
        Seconds to wait for ``/_stcore/health``.
    """

    def __init__(
        self,
        app: Path,
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
        extra_args: Sequence[str] = (),
        base_url_path: str = "",
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        self.app = Path(app).resolve()
        self.log_path = log_path
        self.env = dict(env or {})
        self.cwd = cwd
        self.extra_args = list(extra_args)
        self.base_url_path = base_url_path.strip("/")
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765``; only while running."""
        if self.port is None or not self.running:
            raise RuntimeError("the Streamlit server is not running")
        prefix = f"/{self.base_url_path}" if self.base_url_path else ""
        return f"http://127.0.0.1:{self.port}{prefix}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> str:
        """Start the server on a free port, wait until healthy, return its base URL."""
        if self.running:
            return self.url
        if not self.app.is_file():
            pytest.fail(f"Streamlit app {str(self.app)!r} does not exist", pytrace=False)
        self.port = free_port()
        environment = {**os.environ, **self.env}
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), environment.get("PYTHONPATH", "")) if p
        )
        command = [
            sys.executable, "-m", "streamlit", "run", str(self.app),
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            "--server.enableStaticServing", "true",
            "--server.fileWatcherType", "none",
            "--server.baseUrlPath", self.base_url_path,
            *self.extra_args,
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"\n$ {' '.join(command)}\n".encode())
        self._log_file.flush()
        self._process = subprocess.Popen(
            command,
            cwd=self.cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() gets every child
        )
        self._wait_healthy()
        return self.url

    def _wait_healthy(self) -> None:
        prefix = f"/{self.base_url_path}" if self.base_url_path else ""
        health = f"http://127.0.0.1:{self.port}{prefix}/_stcore/health"
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                self.stop()
                pytest.fail(
                    f"Streamlit exited with code {code} before answering {health}\n"
                    f"{self.log_tail()}",
                    pytrace=False,
                )
            try:
                with _NO_PROXY_OPENER.open(health, timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        pytest.fail(
            f"Streamlit did not answer {health} within {self.startup_timeout:.0f} s\n"
            f"{self.log_tail()}",
            pytrace=False,
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process group; kill it when it outlives `timeout` seconds."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self) -> str:
        """Stop and start again (same app, env and workspace); return the new URL."""
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 60) -> str:
        """The last `lines` lines of the server log, headed by its path."""
        if self._log_file is not None:
            self._log_file.flush()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@pytest.fixture
def streamlit_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., StreamlitServer]]:
    """Factory: ``streamlit_server(app=..., env=...)`` starts a server, stopped at teardown.

    The app path defaults to the repository's ``app.py``. The server is returned
    running; call ``.stop()``/``.start()``/``.restart()`` on it to test restarts.
    """
    servers: list[StreamlitServer] = []

    def start(app: Path = DEFAULT_APP, **options: Any) -> StreamlitServer:
        log_dir = tmp_path_factory.mktemp("streamlit-log")
        server = StreamlitServer(app, log_path=log_dir / "streamlit.log", **options)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


# ------------------------------------------------------------------- page helpers


def wait_for_script_done(page: Page, timeout_ms: int = SCRIPT_TIMEOUT_MS) -> None:
    """Wait until Streamlit is connected and its script run has finished."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            const state = app.getAttribute('data-test-script-state');
            const connected = app.getAttribute('data-test-connection-state') === 'CONNECTED';
            const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
            return connected && !running
                && (state === 'notRunning' || state === 'compilationError');
        }""",
        timeout=timeout_ms,
    )


def assert_no_streamlit_exception(page: Page) -> None:
    """Fail the test when the page shows a Streamlit exception box."""
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        pytest.fail(
            "the app shows an exception:\n" + "\n---\n".join(boxes.all_inner_texts()),
            pytrace=False,
        )


@contextmanager
def served_app(folder: Path) -> Iterator[StreamlitServer]:
    """The app on a loopback port with its own workspace and log in ``folder``; stopped after."""
    app = StreamlitServer(
        DEFAULT_APP,
        log_path=folder / "streamlit.log",
        env={"OPTIL_GEO_WORKSPACE": str(folder / "workspace.sqlite")},
    )
    app.start()
    try:
        yield app
    finally:
        app.stop()


def open_app(page: Page, url: str, timeout_ms: int = SCRIPT_TIMEOUT_MS) -> None:
    """Open a Streamlit URL, wait for the script run, and fail on an exception box."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_for_script_done(page, timeout_ms)
    assert_no_streamlit_exception(page)


@pytest.fixture(name="wait_for_script_done")
def _wait_for_script_done_fixture() -> Callable[..., None]:
    """The :func:`wait_for_script_done` helper, for test modules."""
    return wait_for_script_done


@pytest.fixture(name="assert_no_streamlit_exception")
def _assert_no_streamlit_exception_fixture() -> Callable[[Page], None]:
    """The :func:`assert_no_streamlit_exception` helper, for test modules."""
    return assert_no_streamlit_exception


@pytest.fixture(name="open_app")
def _open_app_fixture() -> Callable[..., None]:
    """The :func:`open_app` helper, for test modules."""
    return open_app
