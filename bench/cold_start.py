"""Cold-start cost of the Lambda package: how long `import app` takes in a fresh interpreter.

    python bench/cold_start.py [--zip out/deployment.zip] [--runs 15] [--stage prod]

Runs what Lambda runs: the unzipped package (as /var/task) first on the path, then the runtime's
own boto3/botocore (here: this environment's copies, standing in for Lambda's), no site-packages
(`python -S`), and no bytecode written (Lambda's /var/task is read-only). Each run is a new
process; the figure is the median of `import app` measured inside it, with the spread.
`--source-only` drops the package's compiled bytecode first, to show what it saves.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six")
PROBE = (
    "import time; w, c = time.perf_counter(), time.process_time(); import app; "
    "print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000)"
)


def runtime_dir(into: Path) -> Path:
    """Links to the packages the Lambda runtime provides."""
    into.mkdir()
    for module in RUNTIME_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{module} is not installed")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (into / source.name).symlink_to(source)
    return into


def measure(task: Path, runtime: Path, stage: str, runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) milliseconds of `import app` per run: CPU time barely moves when other work
    shares the machine, wall time does."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{task}{os.pathsep}{runtime}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "STAGE": stage,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "LANG": "C.UTF-8",
    }
    timings = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-S", "-c", PROBE], cwd=task, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit("importing the packaged app failed:\n" + done.stderr)
        wall, cpu = done.stdout.strip().splitlines()[-1].split()
        timings.append((float(wall), float(cpu)))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zip", type=Path, default=ROOT / "out" / "deployment.zip")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--source-only", action="store_true", help="remove the compiled bytecode first")
    args = parser.parse_args()
    if not args.zip.is_file():
        raise SystemExit(f"no package at {args.zip}: run `make package` first")
    with tempfile.TemporaryDirectory() as scratch:
        task = Path(scratch) / "task"
        with zipfile.ZipFile(args.zip) as archive:
            archive.extractall(task)
        if args.source_only:
            for cache in list(task.rglob("__pycache__")):
                shutil.rmtree(cache)
        timings = measure(task, runtime_dir(Path(scratch) / "runtime"), args.stage, args.runs)
    wall = [w for w, _ in timings]
    cpu = [c for _, c in timings]
    print(
        f"import app over {len(timings)} fresh processes: median {statistics.median(wall):.0f} ms wall "
        f"(min {min(wall):.0f}, max {max(wall):.0f}), median {statistics.median(cpu):.0f} ms CPU "
        f"(min {min(cpu):.0f}); package {args.zip.stat().st_size / 1e6:.2f} MB"
        + (" without its bytecode" if args.source_only else "")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
