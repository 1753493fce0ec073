"""`make bench` runs end to end and writes well-formed results: a smoke test of the benchmark code,
never of the figures (those are benchmarks, not timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # about a minute: it starts a whole stack and runs every benchmark once

ROOT = Path(__file__).resolve().parents[2]

NUMBER = (int, float)


@pytest.mark.timeout(500)  # the stack, and `make run` started twice more (cold and warm)
def test_quick_bench_runs_and_writes_well_formed_results(tmp_path):
    output, markdown = tmp_path / "results.json", tmp_path / "figures.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output), "--markdown", str(markdown)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(output.read_text())

    assert results["quick"] is True and not results["failures"]
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["cpu_model"] and machine["python"].startswith("3.")
    bench = results["benchmarks"]
    for name in (
        "cold_start",
        "make_run_start",
        "emulator_cost",
        "get_order",
        "list_orders",
        "api_latency",
        "end_to_end",
        "webhook_rate",
        "webhook_phases",
        "throughput",
        "rss",
        "lifecycle_calls",
    ):
        assert name in bench, name

    assert isinstance(bench["get_order"]["api"]["p50"], NUMBER)
    lists = bench["list_orders"]
    assert lists["small"]["orders"] == 20 and lists["large"]["orders"] == 300
    assert isinstance(lists["ratio_p50"], NUMBER)
    assert isinstance(bench["get_order"]["ratio_p50"], NUMBER)
    assert isinstance(bench["get_order"]["stock_chalice_local"]["api"]["p50"], NUMBER)
    latency = bench["api_latency"]
    for name in ("create_order", "create_payment", "get_payment"):
        entry = latency[name]
        assert {"p50", "p95", "p99"} <= set(entry["api"]) and entry["aws_call_count"] == len(entry["aws_calls"]) >= 1
        assert isinstance(entry["ratio_p50"], NUMBER)
    assert set(latency["create_payment"]["aws_calls"]) >= {"GetItem", "TransactWriteItems"}
    assert isinstance(bench["end_to_end"]["e2e"]["p99"], NUMBER)
    assert bench["webhook_rate"]["gateway_per_s"] > 0 and bench["webhook_rate"]["plain_loop_per_s"] > 0
    throughput = bench["throughput"]
    assert throughput["created"] > 0 and throughput["server_errors_5xx"] == 0
    assert throughput["queue_depth"]["samples"] and isinstance(throughput["processed_per_s"], NUMBER)
    assert throughput["cpu_ms_per_payment"]["total"] > 0
    assert bench["lifecycle_calls"]["per_payment_lifecycle"] > 0
    lifecycle = bench["lifecycle_calls"]
    assert 0 < lifecycle["steady_per_payment_lifecycle"] <= lifecycle["per_payment_lifecycle"]
    assert lifecycle["setup_calls"] >= 0
    phases = bench["webhook_phases"]
    assert phases["deliveries"] == 10 and phases["elapsed_ms_per_delivery"] > 0
    assert phases["phases"]["POST (webhook_http.post)"]["calls"] == 10
    for kind in ("cold", "warm"):
        start = bench["make_run_start"][kind]
        assert 0 < start["emulators_s"] < start["total_s"] and start["provision_and_resume_s"] > 0
    assert all(p["rss_mb"] > 0 for p in bench["rss"]["processes"].values())
    assert isinstance(results["targets_met"], dict) and results["targets_met"]

    text = markdown.read_text()
    assert text.startswith("## Performance") and machine["cpu_model"] in text and "| benchmark |" in text
