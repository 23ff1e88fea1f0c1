"""`shepherd analyze` end to end: the built binary against a real `shepherd serve` with mock
providers on 127.0.0.1. Estimates, a run, a crash (SIGKILL mid-run) and a resume that pays
for no call twice, checked against the gateway's own ledger.

Environment: SHEPHERD_BIN, as for the rest of this suite (see conftest.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Gateway, _EarlyExit, _binary, _clean_env, _free_port

CONFIG = """\
server: {{ host: 127.0.0.1, port: {port}, auth: none }}
storage: sqlite://analyze.db
providers:
  slow: {{ kind: mock, latency_ms: {latency} }}
models:
  chat:
    targets:
      - {{ provider: slow, model: gpt-4o }}
pricing:
  slow/gpt-4o: {{ input: 2.50, output: 10.00 }}
"""

TASK = "Which items are owed to party 3, and for how much?"
# Small windows so a modest document needs many calls and more than one reduce level.
SIZING = ["--window", "1500", "--chunk-tokens", "300", "--max-output-tokens", "60"]


def _document(paragraphs: int) -> str:
    return "\n\n".join(
        f"Paragraph {i}. The filing lists item {i} at {i * 37} dollars, owed to party {i % 7}. "
        f"Its auditors noted nothing unusual about item {i}, though the board discussed it at length. "
        f"See also schedule {i % 5} for the terms agreed in year {2000 + i % 25}."
        for i in range(paragraphs)
    )


@pytest.fixture
def slow_gateway(tmp_path):
    """A gateway of its own whose mock answers in 150 ms, so a run can be killed midway."""
    binary = _binary()
    for attempt in range(3):
        port = _free_port()
        config = tmp_path / "shepherd.yaml"
        config.write_text(CONFIG.format(port=port, latency=150))
        gw = Gateway(binary=binary, config=config, workdir=tmp_path, port=port)
        try:
            gw.start()
            break
        except _EarlyExit:
            if attempt == 2:
                raise
    yield gw
    gw.stop()


def _analyze(gw: Gateway, document: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(gw.binary), "analyze", str(document), "--task", TASK, "--config", str(gw.config), *SIZING, *extra],
        cwd=gw.workdir, env=_clean_env(), capture_output=True, text=True, timeout=timeout,
    )


def _ledger_requests(gw: Gateway) -> int:
    """Requests in the gateway's ledger, once the count stops moving."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        res = gw.cli("usage", "--config", str(gw.config), "--format", "json")
        assert res.returncode == 0, res.stderr
        count = json.loads(res.stdout)["total"]["requests"]
        if count != last:
            last, stable_since = count, time.monotonic()
        elif time.monotonic() - stable_since > 1.0:
            break
        time.sleep(0.2)
    return last


def test_dry_run_estimates_and_calls_nothing(slow_gateway, tmp_path):
    document = tmp_path / "filing.txt"
    document.write_text(_document(120))
    res = _analyze(slow_gateway, document, "--dry-run", "--format", "json")
    assert res.returncode == 0, res.stderr
    estimate = json.loads(res.stdout)
    assert estimate["dry_run"] is True
    assert estimate["chunks"] > 5
    assert estimate["calls"]["map"] == estimate["chunks"]
    assert estimate["calls"]["reduce"] == sum(estimate["calls"]["reduce_levels"]) >= 2
    assert estimate["calls"]["reduce_levels"][-1] == 1
    assert estimate["tokens"]["input"] > estimate["document_tokens"]
    assert estimate["priced"] is True and float(estimate["cost_usd"]) > 0
    assert "slow/gpt-4o" in estimate["cost_basis"] and "config pricing" in estimate["cost_basis"]

    table = _analyze(slow_gateway, document, "--dry-run")
    assert table.returncode == 0, table.stderr
    assert "chunks" in table.stdout and "cost" in table.stdout and "$" in table.stdout
    assert _ledger_requests(slow_gateway) == 0


def test_unpriced_model_is_said_clearly(tmp_path):
    document = tmp_path / "notes.txt"
    document.write_text(_document(30))
    res = subprocess.run(
        [str(_binary()), "analyze", str(document), "--task", TASK, "--model", "my-private-model", "--dry-run", *SIZING],
        cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert "unpriced" in res.stdout


def test_crash_then_resume_pays_for_nothing_twice(slow_gateway, tmp_path):
    gw = slow_gateway
    document = tmp_path / "filing.txt"
    document.write_text(_document(120))
    estimate = json.loads(_analyze(gw, document, "--dry-run", "--format", "json").stdout)
    checkpoint = Path(estimate["checkpoint"])
    if not checkpoint.is_absolute():
        checkpoint = gw.workdir / checkpoint
    total_calls = estimate["calls"]["map"] + estimate["calls"]["reduce"]

    # Run, and kill -9 once a few calls are checkpointed.
    proc = subprocess.Popen(
        [str(gw.binary), "analyze", str(document), "--task", TASK, "--config", str(gw.config), *SIZING,
         "--concurrency", "2"],
        cwd=gw.workdir, env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if checkpoint.exists() and len(checkpoint.read_text().splitlines()) >= 1 + 4:
            break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    saved = len(checkpoint.read_text().splitlines()) - 1
    assert 4 <= saved < total_calls

    # Without --resume the saved results are kept, not overwritten.
    refused = _analyze(gw, document)
    assert refused.returncode == 1
    assert "--resume" in refused.stderr

    resumed = _analyze(gw, document, "--resume", "--format", "json", "--concurrency", "3")
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["answer"]
    assert result["chunks"] == estimate["chunks"]
    assert result["calls"]["reused"] == saved
    assert result["calls"]["map"] + result["calls"]["reduce"] + saved == total_calls
    assert result["priced"] is True

    # Every call is in the checkpoint exactly once ...
    ids = [json.loads(line)["id"] for line in checkpoint.read_text().splitlines()[1:]]
    assert len(ids) == len(set(ids)) == total_calls
    # ... and the gateway answered each at most once more than that: the calls in flight
    # (at most --concurrency 2) when the first run was killed.
    requests = _ledger_requests(gw)
    assert total_calls <= requests <= total_calls + 2

    # A finished analysis resumed again costs nothing.
    again = _analyze(gw, document, "--resume", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["calls"]["map"] == 0
    assert json.loads(again.stdout)["answer"] == result["answer"]
    assert _ledger_requests(gw) == requests


def test_bad_usage_exits_64(tmp_path):
    document = tmp_path / "doc.txt"
    document.write_text("hello")
    res = subprocess.run(
        [str(_binary()), "analyze", str(document), "--task", "x", "--concurrency", "0"],
        cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 64
