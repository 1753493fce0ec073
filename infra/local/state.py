"""The local stack's state folder: what `make run` keeps between runs.

    python -m infra.local.state reset    (what `make reset` runs)

Layout (LOCAL_STATE_DIR, default `.state/` in the checkout, git-ignored):

    .paygw-state     the marker: only a folder holding it is ever deleted
    .lock            held (flock) by the `make run` using the folder
    dynamodb/        DynamoDB Local's data (-sharedDb -dbPath)
    kms-keys.json    the KMS keys of the embedded moto server, key material included (0600)

SQS is not kept: its messages live in the moto server's memory, and the stack queues again every
pending payment, refund and delivery at start (infra/local/resume.py).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ".state"
MARKER = ".paygw-state"
MARKER_TEXT = "The payment gateway's local state (make run). `make reset` deletes this folder.\n"


def state_dir(env: dict[str, str]) -> Path:
    """LOCAL_STATE_DIR, relative to the checkout when relative."""
    raw = env.get("LOCAL_STATE_DIR") or DEFAULT_DIR
    path = Path(raw).expanduser()
    return path if path.is_absolute() else ROOT / path


def problem(path: Path) -> str | None:
    """Why `path` cannot be the state folder, or None. A non-empty folder without the marker is
    refused: FRESH=1 and `make reset` delete the state folder, and must never delete anything else."""
    if path.exists() and not path.is_dir():
        return f"LOCAL_STATE_DIR must be a folder, and {path} is a file"
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).is_file():
        return (
            f"LOCAL_STATE_DIR {path} is a folder that is not empty and was not made by `make run` "
            f"(no {MARKER} in it): choose a new or empty folder"
        )
    if path.resolve() in (ROOT.resolve(), Path.home().resolve(), Path("/")):
        return f"LOCAL_STATE_DIR must be a folder of its own, not {path}"
    return None


@dataclass
class StateFolder:
    path: Path

    @property
    def dynamodb(self) -> Path:
        return self.path / "dynamodb"

    @property
    def kms_keys(self) -> Path:
        return self.path / "kms-keys.json"

    def exists(self) -> bool:
        return (self.path / MARKER).is_file()

    def create(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)  # the key material is in it
        (self.path / MARKER).write_text(MARKER_TEXT)
        self.dynamodb.mkdir(exist_ok=True)

    def lock(self) -> IO[str] | None:
        """Hold the folder for this process's lifetime: the open file is the lock. None when another
        process holds it (two DynamoDB Locals on one database would corrupt it)."""
        handle = open(self.path / ".lock", "a")  # noqa: SIM115 - held open as long as the stack runs
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def delete(self) -> bool:
        """Delete the folder, only if it is a state folder and no stack holds it. False: it did not
        exist. Raises RuntimeError when it may not be deleted."""
        if not self.path.exists():
            return False
        why = problem(self.path)
        if why is not None:
            raise RuntimeError(why)
        if not self.exists():
            if any(self.path.iterdir()):  # problem() above refused this already; never guess
                raise RuntimeError(f"{self.path} has no {MARKER}: not deleting it")
            self.path.rmdir()
            return True
        held = self.lock()
        if held is None:
            raise RuntimeError(f"a `make run` is using {self.path}: stop it first")
        try:
            shutil.rmtree(self.path)
        finally:
            held.close()
        return True


def main(argv: list[str]) -> int:
    if argv != ["reset"]:
        print("usage: python -m infra.local.state reset", file=sys.stderr)
        return 2
    folder = StateFolder(state_dir(dict(os.environ)))
    try:
        deleted = folder.delete()
    except RuntimeError as error:
        print(f"reset: {error}", file=sys.stderr)
        return 1
    if deleted:
        print(f"reset: deleted the local state in {folder.path}; the next `make run` starts fresh")
    else:
        print(f"reset: no local state in {folder.path}; the next `make run` starts fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
