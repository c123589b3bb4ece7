"""A headless Chromium for tests, driven over ChromeDriver's W3C WebDriver HTTP API with httpx.

No Selenium: ChromeDriver is started on a loopback port, sessions are plain HTTP calls, and every
call has a timeout and checks its status. Chromium and ChromeDriver come from Debian's packages
(``tests/support/install_browser.sh``); ``LEAD_SLA_CHROMIUM`` and ``LEAD_SLA_CHROMEDRIVER`` point
elsewhere if needed.

    with ChromeDriver.start(paths) as driver, driver.session() as page:
        page.open(Path("report.html"))
        page.execute("return document.title")
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

INSTALL_SCRIPT = Path(__file__).with_name("install_browser.sh")
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--force-color-profile=srgb",
)
HTTP_TIMEOUT = 60.0

# Collects uncaught errors and console.error calls from the moment a document starts (installed
# with the DevTools protocol so that it runs before the page's own scripts).
ERROR_COLLECTOR = """
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || 'resource failed'));
}, true);
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('unhandled rejection: ' + e.reason); });
(function () {
  var original = console.error;
  console.error = function () { window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); return original.apply(console, arguments); };
})();
"""


class BrowserUnavailable(RuntimeError):
    """Chromium or ChromeDriver is missing and could not be installed (the message says why)."""


class WebDriverError(RuntimeError):
    """ChromeDriver answered a command with an error."""


@dataclass(frozen=True)
class BrowserPaths:
    chromium: Path
    chromedriver: Path


def browser_paths() -> BrowserPaths:
    return BrowserPaths(
        Path(os.environ.get("LEAD_SLA_CHROMIUM", DEFAULT_CHROMIUM)),
        Path(os.environ.get("LEAD_SLA_CHROMEDRIVER", DEFAULT_CHROMEDRIVER)),
    )


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def ensure_browser(install: bool = True) -> BrowserPaths:
    """The browser's paths; runs ``install_browser.sh`` once when a binary is missing.

    Raises ``BrowserUnavailable`` with the installer's reason when they are still missing.
    """
    paths = browser_paths()
    if _executable(paths.chromium) and _executable(paths.chromedriver):
        return paths
    if not install:
        raise BrowserUnavailable(f"{paths.chromium} or {paths.chromedriver} is missing")
    try:
        result = subprocess.run(["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrowserUnavailable(f"could not run {INSTALL_SCRIPT}: {exc}") from exc
    if result.returncode != 0 or not (_executable(paths.chromium) and _executable(paths.chromedriver)):
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise BrowserUnavailable(
            f"Chromium/ChromeDriver not installed and {INSTALL_SCRIPT.name} failed (exit {result.returncode}): "
            + (reason[-1] if reason else "no output")
        )
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromeDriver:
    """A ChromeDriver process on a loopback port, and the HTTP client that talks to it."""

    def __init__(self, paths: BrowserPaths, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.paths = paths
        self.process = process
        self.url = url
        self.log = log
        self.client = httpx.Client(base_url=url, timeout=HTTP_TIMEOUT)

    @classmethod
    @contextmanager
    def start(cls, paths: BrowserPaths, ready_timeout: float = 30.0) -> Iterator["ChromeDriver"]:
        port = free_port()
        log = Path(tempfile.mkstemp(prefix="chromedriver-", suffix=".log")[1])
        process = subprocess.Popen(
            [str(paths.chromedriver), f"--port={port}", "--allowed-ips=127.0.0.1", f"--log-path={log}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        driver = cls(paths, process, f"http://127.0.0.1:{port}", log)
        try:
            driver._wait_ready(ready_timeout)
            yield driver
        finally:
            driver.client.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.unlink(missing_ok=True)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserUnavailable(f"chromedriver exited with {self.process.returncode}: {self.log.read_text()[-500:]}")
            try:
                response = self.client.get("/status", timeout=2)
                if response.status_code == 200 and response.json()["value"].get("ready"):
                    return
            except (httpx.TransportError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        raise BrowserUnavailable(f"chromedriver did not become ready within {timeout} s")

    def command(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One WebDriver command; returns its ``value`` or raises ``WebDriverError``."""
        response = self.client.request(method, path, json=payload)
        try:
            body = response.json()
        except ValueError:
            raise WebDriverError(f"{method} {path}: HTTP {response.status_code}, not JSON: {response.text[:200]}") from None
        value = body.get("value") if isinstance(body, dict) else None
        if response.status_code != 200 or (isinstance(value, dict) and "error" in value):
            error = value if isinstance(value, dict) else {}
            raise WebDriverError(f"{method} {path}: HTTP {response.status_code} {error.get('error')}: {error.get('message', '')[:300]}")
        return value

    @contextmanager
    def session(self, width: int = 1280, height: int = 900, mobile: bool = False) -> Iterator["Session"]:
        """A fresh browser (its own temporary profile), closed afterwards.

        ``mobile`` emulates a phone's viewport of ``width`` × ``height`` CSS pixels (a desktop window
        cannot be made narrower than about 500 px).
        """
        profile = tempfile.mkdtemp(prefix="chromium-profile-")
        capabilities = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": str(self.paths.chromium),
                        "args": [*CHROME_ARGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"],
                    },
                    "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
                }
            }
        }
        try:
            value = self.command("POST", "/session", capabilities)
            session = Session(self, value["sessionId"])
            try:
                session.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_COLLECTOR})
                if mobile:
                    session.cdp("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
                yield session
            finally:
                try:
                    self.command("DELETE", f"/session/{session.id}")
                except (WebDriverError, httpx.HTTPError):
                    pass
        finally:
            shutil.rmtree(profile, ignore_errors=True)


class Session:
    """One browser session: navigate, run scripts, read logs, take screenshots."""

    def __init__(self, driver: ChromeDriver, session_id: str) -> None:
        self.driver = driver
        self.id = session_id

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        return self.driver.command(method, f"/session/{self.id}{path}", payload)

    def cdp(self, command: str, params: dict[str, Any] | None = None) -> Any:
        """A Chrome DevTools protocol command through ChromeDriver."""
        return self._call("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def open(self, path: Path, timeout: float = 30.0) -> str:
        """Navigate to the local file and wait until the document is complete; returns readyState.

        The browser and performance logs are emptied first, so that afterwards they hold only what
        this page did.
        """
        self.log("browser")
        self.log("performance")
        self._call("POST", "/url", {"url": path.resolve().as_uri()})
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.execute("return document.readyState")
            if state == "complete":
                break
            time.sleep(0.05)
        return state

    def execute(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body) in the page and return its result."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def log(self, kind: str = "browser") -> list[dict[str, Any]]:
        """Entries of a ChromeDriver log (``browser``: the console; ``performance``: DevTools events)."""
        return self._call("POST", "/se/log", {"type": kind})

    def page_errors(self) -> list[str]:
        """Errors the page raised: console errors (SEVERE) and those the collector caught."""
        severe = [f"console: {e.get('message')}" for e in self.log("browser") if e.get("level") == "SEVERE"]
        caught = self.execute("return window.__errors || []")
        return severe + [str(e) for e in caught]

    def requested_urls(self) -> list[str]:
        """Every URL the page asked the network stack for (DevTools Network.requestWillBeSent events)."""
        import json

        urls = []
        for entry in self.log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def screenshot(self, target: Path, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page when ``full_page``)."""
        if full_page:
            metrics = self.cdp("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = self.cdp("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            })
            data = shot["data"]
        else:
            data = self._call("GET", "/screenshot")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
        return target
