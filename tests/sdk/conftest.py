"""Fixtures that run a real `shepherd serve` for the OpenAI-SDK suite.

The gateway is started once per test session on a free loopback port, with a
config written into a pytest temp dir.  It is always stopped at the end
(SIGTERM, then SIGKILL), even when setup or a test fails.

Environment:
  SHEPHERD_BIN   path to the shepherd binary (default: <repo>/.build/debug/shepherd)
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / ".build" / "debug" / "shepherd"

HEALTH_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 60.0
SDK_TIMEOUT_S = 15.0

# A secret the fake upstream is configured with; it must never reach a client.
UPSTREAM_SECRET = "sk-upstream-SECRET-do-not-leak-7f3a9c2e"

# Prices for the mock target, USD per 1M tokens (used to check x-shepherd-cost-usd).
PRICE_INPUT = 2.50
PRICE_OUTPUT = 10.00

CONFIG_TEMPLATE = """\
server: {{ host: 127.0.0.1, port: 8080, auth: keys }}
storage: sqlite://shepherd.db
providers:
  sim:  {{ kind: mock, latency_ms: 1 }}
  down: {{ kind: mock, fail_rate: 1.0, fail_status: 500 }}
  leaky: {{ kind: openai, base_url: "http://127.0.0.1:{leaky_port}/v1", api_key: env:SHEP_SDK_TEST_UPSTREAM_KEY, timeout_s: 5 }}
models:
  chat:
    targets:
      - {{ provider: sim, model: gpt-4o }}
  other:
    targets:
      - {{ provider: sim, model: gpt-4o-mini }}
  broken:
    targets:
      - {{ provider: down, model: x }}
  leaky:
    targets:
      - {{ provider: leaky, model: gpt-4o }}
    retry: {{ attempts: 1, base_ms: 1, max_ms: 1 }}
pricing:
  sim/gpt-4o: {{ input: {price_in}, output: {price_out} }}
"""


def _binary() -> Path:
    path = Path(os.environ.get("SHEPHERD_BIN") or DEFAULT_BIN)
    # Another engineer may be rebuilding it: wait a little for it to reappear.
    deadline = time.monotonic() + 30
    while not (path.is_file() and os.access(path, os.X_OK)):
        if time.monotonic() > deadline:
            pytest.fail(f"shepherd binary not found or not executable: {path} (set SHEPHERD_BIN)")
        time.sleep(1)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["SHEP_SDK_TEST_UPSTREAM_KEY"] = UPSTREAM_SECRET
    return env


class _EarlyExit(RuntimeError):
    """The gateway process exited before becoming healthy (e.g. port taken)."""


class _LeakyUpstream(http.server.BaseHTTPRequestHandler):
    """A provider that fails with 500 and reflects the key it was sent in its error body,
    the way some real APIs do ("Incorrect API key provided: sk-…")."""

    seen_auth: list[str] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        auth = self.headers.get("authorization", "")
        type(self).seen_auth.append(auth)
        body = json.dumps(
            {
                "error": {
                    "message": f"Internal error while serving key {auth}",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
        ).encode()
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep pytest output quiet
        pass


@dataclass
class Gateway:
    binary: Path
    config: Path
    workdir: Path
    port: int
    proc: subprocess.Popen | None = None
    stderr_path: Path | None = None
    stdout_path: Path | None = None
    keys: dict[str, dict] = field(default_factory=dict)
    leaky_seen_auth: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    # -- CLI helpers -------------------------------------------------------
    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.binary), *args],
            cwd=self.workdir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
        )

    def create_key(self, name: str, models: list[str] | None = None) -> dict:
        args = ["keys", "create", "--config", str(self.config), "--name", name, "--format", "json"]
        if models:
            args += ["--models", ",".join(models)]
        res = self.cli(*args)
        assert res.returncode == 0, f"keys create failed ({res.returncode}): {res.stderr}"
        out = json.loads(res.stdout.strip().splitlines()[-1])
        assert out["id"].startswith("key_"), out
        assert out["key"].startswith("sk-shep-"), out
        return out

    def revoke_key(self, key_id: str) -> None:
        res = self.cli("keys", "revoke", "--config", str(self.config), key_id)
        assert res.returncode == 0, f"keys revoke failed ({res.returncode}): {res.stderr}"

    def client(self, api_key: str, **kw) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=SDK_TIMEOUT_S,
            **kw,
        )

    def logs(self) -> str:
        parts = []
        for p in (self.stdout_path, self.stderr_path):
            if p and p.exists():
                parts.append(p.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        self.stdout_path = self.workdir / "gateway.stdout.log"
        self.stderr_path = self.workdir / "gateway.stderr.log"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [
                    str(self.binary), "serve", "--config", str(self.config),
                    "--host", "127.0.0.1", "--port", str(self.port),
                ],
                cwd=self.workdir,
                env=_clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        last_err: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise _EarlyExit(
                    f"shepherd exited early with code {self.proc.returncode}:\n{self.logs()}"
                )
            try:
                with urllib.request.urlopen(f"{self.root}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
                    last_err = f"status {r.status}"
            except (urllib.error.URLError, OSError) as e:
                last_err = e
            time.sleep(0.1)
        raise RuntimeError(
            f"shepherd not healthy within {HEALTH_TIMEOUT_S}s (last: {last_err}):\n{self.logs()}"
        )

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("shepherd-sdk")
    binary = _binary()

    # The fake "leaky" upstream lives for the whole session too.
    _LeakyUpstream.seen_auth = []
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LeakyUpstream)
    upstream_thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    upstream_thread.start()

    config = workdir / "shepherd.yaml"
    config.write_text(
        CONFIG_TEMPLATE.format(
            leaky_port=upstream.server_address[1],
            price_in=PRICE_INPUT,
            price_out=PRICE_OUTPUT,
        )
    )

    gw = Gateway(binary=binary, config=config, workdir=workdir, port=0)
    gw.leaky_seen_auth = _LeakyUpstream.seen_auth
    try:
        gw.keys["full"] = gw.create_key("sdk-full")
        gw.keys["chat_only"] = gw.create_key("sdk-chat-only", models=["chat"])
        gw.keys["to_revoke"] = gw.create_key("sdk-to-revoke")

        # A freshly probed port can be taken in between; try a few.
        for attempt in range(3):
            gw.port = _free_port()
            try:
                gw.start()
                break
            except _EarlyExit:
                if attempt == 2:
                    raise
        yield gw
    finally:
        gw.stop()
        upstream.shutdown()
        upstream.server_close()


@pytest.fixture
def client(gateway) -> openai.OpenAI:
    c = gateway.client(gateway.keys["full"]["key"])
    yield c
    c.close()


@pytest.fixture
def chat_only_client(gateway) -> openai.OpenAI:
    c = gateway.client(gateway.keys["chat_only"]["key"])
    yield c
    c.close()
