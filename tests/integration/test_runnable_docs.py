"""Every shell block marked `sh runnable` in README.md and docs/ runs as printed against a stack.

The blocks speak to the local stack's API on http://127.0.0.1:8000 with the seeded test merchant;
the test's stack has the same merchant on a free port, which is the one change made to a block.
Each runs under `bash -euo pipefail`, from the repository root, so a failing command, an unset
variable or an HTTP error (`curl --fail-with-body`) fails it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.stack import ROOT, base_env

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```sh runnable\n(.*?)^```", re.DOTALL | re.MULTILINE)
LOCAL_API = "http://127.0.0.1:8000"


def runnable_blocks() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for number, match in enumerate(BLOCK.finditer(path.read_text()), start=1):
            found.append((f"{path.relative_to(ROOT)}#{number}", match.group(1)))
    return found


BLOCKS = runnable_blocks()


def test_the_docs_mark_their_runnable_blocks():
    """README's first payment, the razorpay client and the paging walk at least: a marker lost in
    an edit must not leave this test with nothing to run."""
    assert len(BLOCKS) >= 3, BLOCKS
    assert any(name.startswith("README.md") for name, _ in BLOCKS)


@pytest.mark.parametrize("block", [text for _, text in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_a_runnable_block_runs_as_printed(gateway, block: str):
    assert LOCAL_API in block, "a runnable block talks to the local stack's API"
    script = block.replace(LOCAL_API, gateway.api_url)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env={**base_env(), "PATH": f"{Path(ROOT, '.venv', 'bin')}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert '"error"' not in done.stdout, done.stdout
    # What the block's comments promise, where they show an id: the output has one of that kind.
    for prefix in set(re.findall(r"^# .*?\b(order|pay)_\.\.\.", block, re.MULTILINE)):
        assert re.search(rf"\b{prefix}_[A-Za-z0-9]{{16}}\b", done.stdout), (prefix, done.stdout)


def test_no_documented_command_needs_an_activated_virtual_environment():
    """`python -m infra...` fails outside the venv: the docs name `.venv/bin/python` or a make target."""
    bare = []
    for path in DOCS:
        text = path.read_text()
        for block in re.findall(r"^```(?:sh|bash|shell)[^\n]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
            bare += [
                f"{path.name}: {line}" for line in block.splitlines() if re.search(r"(?<![/\w])python3? -m ", line)
            ]
        bare += [f"{path.name}: {m}" for m in re.findall(r"`(?<![/\w])(python3? -m [^`]+)`", text)]
    assert not bare, bare
