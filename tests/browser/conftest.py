"""Fixtures for the dashboard suite: a real `shepherd serve` against `mock` providers and a
headless Chromium driven by Selenium (Debian's `chromium` and `chromium-driver`).

The gateway is started once per session on a free loopback port, the same way as
tests/sdk/conftest.py, and always stopped at the end (SIGTERM, then SIGKILL).

Environment:
  SHEPHERD_BIN   path to the shepherd binary (default: <repo>/.build/debug/shepherd)
  CHROMEDRIVER   path to chromedriver (default: /usr/bin/chromedriver)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / ".build" / "debug" / "shepherd"
SCREENSHOTS = REPO / "docs" / "screenshots"
ADMIN_KEY = "browser-admin-key-5b1e"
HEALTH_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0

# legacy → relay in steps; the hold is short so the gates promote while the test drives
# traffic. `chat-cheap` fails a third of the time and falls back to `chat`, `batch` has no
# fallback: retries, errors and fallbacks for the Traffic view.
CONFIG = """\
server: { host: 127.0.0.1, port: 8080, auth: keys, admin_key: env:SHEP_BROWSER_ADMIN_KEY }
storage: sqlite://shepherd.db
providers:
  legacy: { kind: mock, latency_ms: 30, jitter_ms: 20 }
  relay:  { kind: mock, latency_ms: 12, jitter_ms: 6 }
  flaky:  { kind: mock, latency_ms: 5, fail_rate: 0.3, fail_status: 503 }
models:
  chat:
    targets:
      - { provider: legacy, model: gpt-4o }
      - { provider: relay,  model: gemini-2.5-flash, weight: 0 }
    rollout:
      from: legacy/gpt-4o
      to: relay/gemini-2.5-flash
      steps: [5, 25, 50, 100]
      hold: { requests: 40, minutes: 0.01 }
      gates: { max_error_rate: 0.05, max_p99_ms: 2000, max_cost_ratio: 1.0 }
      on_gate_failure: rollback
    shadow: { to: relay/gemini-2.5-flash, percent: 20 }
  chat-cheap:
    targets:
      - { provider: flaky, model: deepseek-v3.2 }
    retry: { attempts: 2, base_ms: 1, max_ms: 5 }
    fallbacks: [chat]
  summarize:
    targets:
      - { provider: legacy, model: gpt-4o }
    shadow: { to: relay/gemini-2.5-flash, percent: 50 }
  batch:
    targets:
      - { provider: flaky, model: deepseek-v3.2 }
    retry: { attempts: 1, base_ms: 1, max_ms: 5 }
pricing:
  legacy/gpt-4o:          { input: 2.50, cached_input: 1.25, output: 10.00 }
  relay/gemini-2.5-flash: { input: 0.30, cached_input: 0.075, output: 2.50 }
  flaky/deepseek-v3.2:    { input: 0.28, output: 0.42 }
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gateway:
    root: str
    proc: subprocess.Popen
    workdir: Path

    def request(self, method: str, path: str, body: dict | None = None, key: str = ADMIN_KEY):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.root}{path}", data=data, method=method)
        req.add_header("authorization", f"Bearer {key}")
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def admin(self, path: str, method: str = "GET", body: dict | None = None):
        status, data = self.request(method, f"/admin/v1{path}", body)
        assert status < 300, f"{method} {path}: {status} {data}"
        return data

    def chat(self, key: str, model: str, count: int) -> None:
        for index in range(count):
            self.request("POST", "/v1/chat/completions", {
                "model": model, "user": f"user-{index % 7}", "max_tokens": 32,
                "messages": [{"role": "user", "content": f"dashboard request {index}"}],
            }, key=key)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.workdir.glob("gateway.*.log"))


def _binary() -> Path:
    path = Path(os.environ.get("SHEPHERD_BIN") or DEFAULT_BIN)
    deadline = time.monotonic() + 30
    while not (path.is_file() and os.access(path, os.X_OK)):
        if time.monotonic() > deadline:
            pytest.fail(f"shepherd binary not found or not executable: {path} (set SHEPHERD_BIN)")
        time.sleep(1)
    return path


def _start(binary: Path, workdir: Path) -> Gateway:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["SHEP_BROWSER_ADMIN_KEY"] = ADMIN_KEY
    for attempt in range(3):
        port = _free_port()
        with open(workdir / "gateway.stdout.log", "wb") as out, open(workdir / "gateway.stderr.log", "wb") as err:
            proc = subprocess.Popen(
                [str(binary), "serve", "--config", str(workdir / "shepherd.yaml"), "--host", "127.0.0.1", "--port", str(port)],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        gateway = Gateway(root=f"http://127.0.0.1:{port}", proc=proc, workdir=workdir)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{gateway.root}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return gateway
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        _stop(proc)
        if attempt == 2:
            raise RuntimeError(f"shepherd did not become healthy:\n{gateway.logs()}")
    raise AssertionError("unreachable")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("shepherd-browser")
    (workdir / "shepherd.yaml").write_text(CONFIG)
    gw = _start(_binary(), workdir)
    try:
        yield gw
    finally:
        _stop(gw.proc)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingOptions", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
