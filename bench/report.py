"""The results as a table: printed to the console and written as a README section."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from importlib import metadata

# Issue 15's call-count targets, and the figures of `make bench` on 2026-12-01 (before its engine)
# they are measured against: a count of calls does not vary with the machine, so an earlier run's
# count is a fair baseline where no same-run one exists (the old engine is gone from the tree).
LIFECYCLE_CALLS_TARGET, DELIVERY_CALLS_TARGET = 10, 4
CALLS_BEFORE_ENGINE_2 = {"lifecycle": "15.3 (12.1 after issue 14)", "deliveries": "8.0 (7.4 after issue 14)"}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory_gb = None
    try:
        with open("/proc/meminfo") as info:
            total_kb = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
            memory_gb = round(total_kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("moto", "boto3", "chalice", "pynamodb", "aws-lambda-powertools", "werkzeug"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "packages": versions,
    }


def _ms(value) -> str:
    return "–" if value is None else f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def _x(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _met(target: dict | None) -> str:
    if not target:
        return ""
    return "met" if target.get("met") else "MISSED"


def _phase(name: str) -> str:
    """A phase's short name: "record write (TransactWriteItems)" is "record write", and "other
    (GetQueueUrl)" the call it names."""
    short, _, detail = name.partition(" (")
    return detail.rstrip(")") if short == "other" and detail else short


def rows(results: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(benchmark, figure, baseline, ratio, target, met)."""
    out = []
    b = results["benchmarks"]
    if "list_orders" in b:
        lo = b["list_orders"]
        out.append(
            (
                f"GET /orders?limit=10 at {lo['large']['orders']:,} orders (p50)",
                _ms(lo["large"]["p50"]),
                f"at {lo['small']['orders']} orders {_ms(lo['small']['p50'])}",
                _x(lo["ratio_p50"]),
                "≤ 1.5×",
                _met(lo["target"]),
            )
        )
    if "get_order" in b:
        g = b["get_order"]
        out.append(
            (
                "GET /orders/{id}, keep-alive (p50)",
                _ms(g["api"]["p50"]),
                f"GetItem {_ms(g['getitem']['p50'])}",
                _x(g["ratio_p50"]),
                "≤ 2× GetItem",
                _met(g["target"]),
            )
        )
        s = g["stock_chalice_local"]
        out.append(
            (
                "  same GET via stock `chalice local` (Nagle on)",
                _ms(s["api"]["p50"]),
                f"GetItem {_ms(s['getitem']['p50'])}",
                _x(s["ratio_p50"]),
                "(comparison)",
                "",
            )
        )
    if "cold_start" in b:
        c = b["cold_start"]
        out.append(
            (
                f"`import app` (median of {c['runs']} processes)",
                _ms(c["import_app_ms"]),
                f"import boto3 {_ms(c['import_boto3_ms'])}",
                _x(c["ratio"]),
                "",
                "",
            )
        )
    if "make_run_start" in b:
        m = b["make_run_start"]
        for kind, label in (
            ("cold", "fresh state folder"),
            ("warm", f"{m['orders_in_warm_state']} orders in the state"),
        ):
            figures = m[kind]
            out.append(
                (
                    f"`make run` start, {kind} ({label}; median of {m['runs']})",
                    f"{figures['total_s']:.1f} s",
                    f"emulators up {figures['emulators_s']:.1f} s",
                    _x(figures["total_s"] / figures["emulators_s"] if figures["emulators_s"] else None),
                    "",
                    "",
                )
            )
            out.append(
                (
                    "  provisioning + resume / gateway processes",
                    f"{figures['provision_and_resume_s']:.1f} s / {figures['gateway_processes_s']:.1f} s",
                    "",
                    "",
                    "",
                    "",
                )
            )
    if "api_latency" in b:
        a = b["api_latency"]
        for name, label in (
            ("create_order", "POST /orders"),
            ("create_payment", "POST /payments"),
            ("get_payment", "GET /payments/{id}"),
        ):
            e = a[name]
            calls = " + ".join(e["aws_calls"])
            out.append(
                (
                    f"{label} p50 / p95 / p99",
                    f"{_ms(e['api']['p50'])} / {_ms(e['api']['p95'])} / {_ms(e['api']['p99'])}",
                    f"{e['aws_call_count']} call{'s' if e['aws_call_count'] != 1 else ''} ({calls}) "
                    f"{_ms(e['bare_sum']['p50'])}",
                    _x(e["ratio_p50"]),
                    "≤ 3 calls, p50 ≤ 1.0× their sum" if name == "create_payment" else "",
                    _met(e.get("target")),
                )
            )
    if "end_to_end" in b:
        e = b["end_to_end"]
        out.append(
            (
                "create payment → payment.success at receiver, p50 / p99",
                f"{_ms(e['e2e']['p50'])} / {_ms(e['e2e']['p99'])}",
                f"critical path bare {_ms(e['critical_path_bare_p50_sum_ms'])}",
                _x(e["ratio_p50"]),
                "p50 ≤ 50 ms, p99 ≤ 200 ms",
                _met(e["target"]),
            )
        )
    if "webhook_rate" in b:
        w = b["webhook_rate"]
        out.append(
            (
                "webhook deliveries per second",
                f"{w['gateway_per_s']:.0f}/s",
                f"plain requests loop {w['plain_loop_per_s']:.0f}/s"
                + (
                    f" (emulator's transactions {w['emulator_transact_per_s']:.0f}/s: at most {w['ceiling_ratio']}×)"
                    if w.get("emulator_transact_per_s")
                    else ""
                ),
                _x(w["ratio"]),
                "≥ 0.5×",
                _met(w["target"]),
            )
        )
    if "webhook_phases" in b:
        wp = b["webhook_phases"]
        detail = ", ".join(f"{_phase(name)} {p['ms_per_delivery']:.1f}" for name, p in wp["phases"].items())
        out.append(
            (
                "webhook delivery, thread-ms by phase",
                f"{wp['elapsed_ms_per_delivery']:.1f} ms elapsed, {wp['cpu_ms_per_delivery']:.1f} ms CPU",
                detail,
                "",
                "",
                "",
            )
        )
    if "throughput" in b:
        t = b["throughput"]
        out.append(
            (
                f"sustained: {t['clients']} clients offering {t['offered_per_s']:g} payments/s for {t['seconds']:g} s",
                f"{t['processed_per_s']:.1f} payments/s fully processed ({t['created_per_s']:.0f}/s created)",
                _capacity(b.get("emulator_capacity", {})),
                "",
                "≥ 50/s",
                _met(t["target"]),
            )
        )
        if t.get("cpu_ms_per_payment"):
            c = t["cpu_ms_per_payment"]
            parts = ", ".join(f"{name.split(' (')[0]} {ms:.0f}" for name, ms in c.items() if name != "total")
            out.append(
                (
                    "  CPU per payment (all processes)",
                    f"{c['total']:.0f} ms",
                    parts,
                    "",
                    f"ceiling {t['cpu_bound_ceiling_per_s']:.0f}/s on {results['machine']['cores']} cores",
                    "",
                )
            )
        if t.get("emulator_per_payment"):
            top = list(t["emulator_per_payment"].items())[:5]
            out.append(
                (
                    "  emulator CPU per payment, top operations",
                    ", ".join(f"{op} {v['calls']:.1f}× {v['cpu_ms']:.1f} ms" for op, v in top),
                    "",
                    "",
                    "",
                    "",
                )
            )
        out.append(
            (
                "  e2e under load p50 / p99",
                f"{_ms(t['e2e_success']['p50'])} / {_ms(t['e2e_success']['p99'])}",
                "",
                "",
                "p99 ≤ 1 s",
                "",
            )
        )
        q = t["queue_depth"]
        out.append(
            (
                "  queue backlog (max; slope, 2nd half)",
                f"{q['max']} msgs; {q['slope_per_s_second_half']:+.2f}/s",
                "",
                "",
                "flat",
                "met" if not q["grows"] else "MISSED",
            )
        )
        out.append(
            (
                "  5xx / other errors",
                f"{t['server_errors_5xx']} / {sum(t['errors'].values()) - t['server_errors_5xx']}",
                "",
                "",
                "0 5xx",
                "met" if t["server_errors_5xx"] == 0 else "MISSED",
            )
        )
    if "lifecycle_calls" in b:
        lc = b["lifecycle_calls"]
        detail = ", ".join(
            f"{name.split(' (')[0]} {p['per_payment']:.1f}"
            for name, p in lc["phases"].items()
            if name != "create order"
        )
        steady_total = lc.get("steady_per_payment_lifecycle")
        out.append(
            (
                "AWS calls per payment lifecycle (create, process, three deliveries)",
                f"{lc['per_payment_lifecycle']:.1f}",
                f"{detail}; before issue 15: {CALLS_BEFORE_ENGINE_2['lifecycle']}",
                "",
                f"≤ {LIFECYCLE_CALLS_TARGET} in steady state",
                _met({"met": steady_total <= LIFECYCLE_CALLS_TARGET}) if steady_total is not None else "",
            )
        )
        deliveries = lc["phases"].get("deliver (webhook function)", {})
        if "steady_per_payment" in deliveries:
            out.append(
                (
                    "  AWS calls for a payment's three deliveries",
                    f"{deliveries['steady_per_payment']:.2f} steady ({deliveries['per_payment']:.2f} with setup)",
                    f"before issue 15: {CALLS_BEFORE_ENGINE_2['deliveries']}",
                    "",
                    f"≤ {DELIVERY_CALLS_TARGET}",
                    _met({"met": deliveries["steady_per_payment"] <= DELIVERY_CALLS_TARGET}),
                )
            )
        if steady_total is not None:
            steady = ", ".join(
                f"{name.split(' (')[0]} {p['steady_per_payment']:.2f}"
                for name, p in lc["phases"].items()
                if name != "create order"
            )
            out.append(
                (
                    "  of which steady state",
                    f"{lc['steady_per_payment_lifecycle']:.2f}",
                    f"{steady}; setup {lc['setup_calls']} calls over {lc['payments']} payments",
                    "",
                    "",
                    "",
                )
            )
    if "emulator_cost" in b:
        e = b["emulator_cost"]["cpu_ms_per_call"]
        for op, v in e.items():
            out.append(
                (
                    f"emulator CPU per {op}",
                    f"{v['tuned']:.2f} ms ({v.get('server', 'moto, tuned')})",
                    f"{v.get('baseline', 'moto, EMULATOR_TUNING=0')} {v['stock']:.2f} ms",
                    _x(v["ratio"]),
                    "",
                    "",
                )
            )
    if "rss" in b:
        r = b["rss"]
        for name, p in r["processes"].items():
            out.append(
                (
                    f"RSS {name}",
                    f"{p['rss_mb']:.0f} MB (peak {p['peak_mb']:.0f})",
                    f"python+boto3 {r['baseline_python_boto3_mb']:.0f} MB",
                    _x(p["ratio"]),
                    "",
                    "",
                )
            )
    return out


HEADER = ("benchmark", "figure", "baseline (same run)", "ratio", "target", "")


def console_table(results: dict) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "## Performance",
        "",
        f"`make bench` figures from {results['finished_at'][:10]}, on {m['cpu_model']}, {m['cores']} cores, "
        f"{m['memory_gb']} GB, Python {m['python']}, moto {m['packages'].get('moto', '?')} "
        f"({'quick run' if results['quick'] else 'full run'}, {results['duration_seconds']:.0f} s). "
        "Everything runs on the embedded stack the bench starts itself (moto server, API server, functions, "
        "a receiver process), with `TEST_MODE=true` and `TEST_PROCESSING_DELAY=0`. Every figure stands beside a "
        "baseline measured in the same run; raw numbers are in `bench/results.json`. "
        f"Load average (1 min) at start {results['load_average_at_start'][0]:g}, at end "
        f"{results['load_average_at_end'][0]:g}: other work on the machine inflates wall-clock figures, "
        "the ratios and the CPU-time figures much less.",
        "",
        "| " + " | ".join(HEADER[:-1]) + " | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    lines += [
        "",
        "How to read it: latencies are over one keep-alive connection; `ratio` divides the figure by its "
        "baseline (bare DynamoDB/SQS round trips from a plain botocore client with the gateway's settings, on "
        "the same emulator; a plain `requests` loop for webhooks; `import boto3` for cold start). CPU per "
        "payment adds the user+system CPU time of every process of the stack over the sustained run; on "
        f"{m['cores']} cores it bounds the rate the stack can sustain however the load is spread. The emulator "
        "figures compare the emulator without its speed patches (EMULATOR_TUNING=0: moto's server with the "
        "correctness fixes only) with the tuned one `make run` starts (docs/emulator.md).",
        "",
        f"Reproduce with `make bench` ({results['duration_seconds'] / 60:.0f} minutes here; `BENCH_ARGS=--quick` "
        "for a smoke run that overwrites these files).",
        "",
    ]
    return "\n".join(lines)


def _capacity(c: dict) -> str:
    """The emulators' bare capacity, measured in the same run (scenarios.emulator_capacity)."""
    n = c.get("clients", 4)

    def figure(name: str) -> str:
        value = c.get(f"{name}_per_s_{n}_clients")
        return f"{value:.0f}" if isinstance(value, (int, float)) else "–"

    return (
        f"bare, {n} clients: DynamoDB Local {figure('getitem')} GetItem/s, {figure('transact')} "
        f"TransactWriteItems/s; moto SQS {figure('sendmessage')} SendMessage/s"
    )
