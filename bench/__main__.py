"""`make bench`: every benchmark against the embedded stack, a table, bench/results.json and the
README section (bench/README-figures.md).

    python -m bench [--quick] [--only NAME,...] [--output PATH] [--markdown PATH]
                    [--seconds S] [--clients N] [--rate R]

--quick runs every benchmark with tiny samples (a smoke test, not figures).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import awscalls, report

HERE = Path(__file__).resolve().parent
ALL = (
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
)

FULL = {
    "cold_start_runs": 5,
    "make_run_start_runs": 2,
    "make_run_start_orders": 200,
    "get_order_n": 400,
    "list_orders_n": 200,
    "list_orders_large": 10_000,
    "stock_n": 30,
    "latency_n": 200,
    "e2e_n": 100,
    "webhooks_n": 1000,
    "webhook_phases_n": 300,
    "seconds": 60.0,
    "clients": 8,
    "rate": 50.0,
    "lifecycle_payments": 20,
    "capacity_seconds": 2.0,
    "emulator_cost_n": 100,
}
QUICK = {
    "cold_start_runs": 1,
    "make_run_start_runs": 1,
    "make_run_start_orders": 5,
    "get_order_n": 20,
    "list_orders_n": 20,
    "list_orders_large": 300,  # the quick run checks the scenario, not the figure
    "stock_n": 3,
    "latency_n": 10,
    "e2e_n": 5,
    "webhooks_n": 20,
    "webhook_phases_n": 10,
    "seconds": 3.0,
    "clients": 2,
    "rate": 10.0,
    "lifecycle_payments": 2,
    "capacity_seconds": 0.3,
    "emulator_cost_n": 5,
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny samples: checks that everything runs")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(ALL))
    parser.add_argument("--output", default=str(HERE / "results.json"))
    parser.add_argument("--markdown", default=str(HERE / "README-figures.md"))
    parser.add_argument("--seconds", type=float, help="sustained-throughput duration")
    parser.add_argument("--clients", type=int, help="sustained-throughput concurrent clients")
    parser.add_argument("--rate", type=float, help="sustained-throughput offered payments per second")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    plan = dict(QUICK if args.quick else FULL)
    for name in ("seconds", "clients", "rate"):
        if getattr(args, name) is not None:
            plan[name] = getattr(args, name)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()] or list(ALL)
    unknown = set(wanted) - set(ALL)
    if unknown:
        print(f"bench: unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    awscalls.install()  # before any client exists, so the gateway's in-process calls are counted
    from . import make_run_start, scenarios
    from .baselines import BareCalls
    from .stack import BenchStack

    began = time.monotonic()
    print(f"bench: starting the embedded stack ({'quick' if args.quick else 'full'} run)", flush=True)
    stack = BenchStack()
    stack.configure_this_process()
    results: dict = {
        "quick": args.quick,
        "plan": plan,
        "machine": report.machine(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "stack_startup_seconds": stack.startup_seconds,
        "benchmarks": {},
        "failures": {},
        # Other work on the machine slows wall-clock figures: judge them by this.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    bench = results["benchmarks"]

    def step(name: str, run) -> None:
        if name not in wanted and name != "emulator_capacity":
            return
        print(f"bench: {name} ...", flush=True)
        started = time.monotonic()
        try:
            bench[name] = run()
            bench[name]["bench_seconds"] = round(time.monotonic() - started, 1)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            results["failures"][name] = traceback.format_exc()
            print(f"bench: {name} FAILED\n{results['failures'][name]}", file=sys.stderr, flush=True)

    try:
        api = scenarios.Api(stack)
        bare = BareCalls(
            stack.emulator.url, stack.gateway.stage, scenarios.sample_items(stack, api), stack.emulator.dynamodb_url
        )
        calls = scenarios.count_request_calls()
        step("cold_start", lambda: scenarios.cold_start(stack, int(plan["cold_start_runs"])))
        step(
            "make_run_start",
            lambda: make_run_start.measure(int(plan["make_run_start_runs"]), int(plan["make_run_start_orders"])),
        )
        step("emulator_capacity", lambda: scenarios.emulator_capacity(stack, bare, plan["capacity_seconds"]))
        step("emulator_cost", lambda: scenarios.emulator_cost(stack, bare, int(plan["emulator_cost_n"])))
        step("get_order", lambda: scenarios.get_order(stack, bare, int(plan["get_order_n"]), int(plan["stock_n"])))
        step(
            "list_orders",
            lambda: scenarios.list_orders(stack, int(plan["list_orders_n"]), int(plan["list_orders_large"])),
        )
        step("api_latency", lambda: scenarios.api_latency(stack, bare, int(plan["latency_n"]), calls))
        step("end_to_end", lambda: scenarios.end_to_end(stack, bare, int(plan["e2e_n"]), calls["create_payment"]))
        step(
            "webhook_rate",
            lambda: scenarios.webhook_rate(stack, int(plan["webhooks_n"]), bench.get("emulator_capacity")),
        )
        step("webhook_phases", lambda: scenarios.webhook_phases(stack, int(plan["webhook_phases_n"])))
        step("throughput", lambda: scenarios.throughput(stack, plan["seconds"], int(plan["clients"]), plan["rate"]))
        step("rss", lambda: scenarios.rss(stack, bench.get("throughput", {}).get("rss_peak_kb")))
        step("lifecycle_calls", lambda: scenarios.lifecycle_calls(stack, int(plan["lifecycle_payments"])))
    finally:
        stack.close()

    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["duration_seconds"] = round(time.monotonic() - began, 1)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    targets = {name: data["target"]["met"] for name, data in bench.items() if isinstance(data.get("target"), dict)}
    if "api_latency" in bench:
        targets["api_latency"] = bench["api_latency"]["create_payment"]["target"]["met"]
    results["targets_met"] = targets

    Path(args.output).write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    Path(args.markdown).write_text(report.markdown(results))
    print()
    print(report.console_table(results))
    print()
    print(f"bench: {results['duration_seconds']:.0f} s; wrote {args.output} and {args.markdown}")
    if results["failures"]:
        print(f"bench: FAILED: {', '.join(results['failures'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
