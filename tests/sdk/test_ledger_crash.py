"""The ledger loses no completed answer: load the gateway, kill -9 it mid-run, and check
that every request whose client received a complete 200 has its row.

SPEC §5: "killing the gateway (kill -9) under load loses no such row".
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import urllib.request

from conftest import _binary, _free_port

CONFIG = """\
server: {{ host: 127.0.0.1, port: {port}, auth: none }}
storage: sqlite://crash.db
providers:
  sim: {{ kind: mock, latency_ms: 2, jitter_ms: 3 }}
models:
  chat:
    targets: [{{ provider: sim, model: gpt-4o }}]
"""

BODY = json.dumps({"model": "chat", "messages": [{"role": "user", "content": "count me"}]})
WORKERS = 8
RUN_BEFORE_KILL_S = 1.5


def _wait_healthy(root: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited during start-up"
        try:
            with urllib.request.urlopen(f"{root}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the gateway did not become healthy within 20 s")


def _worker(port: int, completed: list[str], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/v1/chat/completions", BODY, {"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()  # the whole answer, or an exception if the gateway died mid-way
            request_id = response.getheader("x-request-id")
            if response.status == 200 and request_id and json.loads(body)["choices"]:
                completed.append(request_id)
            conn.close()
        except (OSError, http.client.HTTPException, ValueError):
            # Killed mid-request: this one was never completed for the client.
            time.sleep(0.01)


def test_kill_dash_nine_loses_no_completed_row(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "crash.yaml"
    config.write_text(CONFIG.format(port=port))
    log = open(tmp_path / "gateway.log", "wb")
    process = subprocess.Popen([str(_binary()), "serve", "--config", str(config)], stdout=log, stderr=log)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        completed: list[str] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_worker, args=(port, completed, stop)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        time.sleep(RUN_BEFORE_KILL_S)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()

    assert len(completed) > 50, f"too little load to mean anything: {len(completed)} answers"
    database = sqlite3.connect(tmp_path / "crash.db")
    stored = {row[0] for row in database.execute("SELECT id FROM ledger_usage WHERE shadow = 0 AND status = 200")}
    database.close()
    missing = [request_id for request_id in completed if request_id not in stored]
    assert not missing, f"{len(missing)} of {len(completed)} completed answers have no ledger row, e.g. {missing[:5]}"
