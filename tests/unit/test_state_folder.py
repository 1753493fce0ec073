"""infra/local/state.py: the state folder `make run` keeps, and the only folder FRESH=1 and
`make reset` ever delete."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.local.stack import configuration_problems
from infra.local.state import MARKER, ROOT, StateFolder, problem, state_dir


def test_the_default_is_dot_state_in_the_checkout_and_relative_paths_are_from_it(tmp_path):
    assert state_dir({}) == ROOT / ".state"
    assert state_dir({"LOCAL_STATE_DIR": "elsewhere/s"}) == ROOT / "elsewhere" / "s"
    assert state_dir({"LOCAL_STATE_DIR": str(tmp_path)}) == tmp_path


def test_a_folder_holding_other_things_is_refused_and_never_deleted(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    why = problem(tmp_path)
    assert why is not None and MARKER in why
    with pytest.raises(RuntimeError):
        StateFolder(tmp_path).delete()
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert any(MARKER in line for line in configuration_problems({"LOCAL_STATE_DIR": str(tmp_path)}))


def test_a_file_the_checkout_itself_and_the_home_folder_are_refused(tmp_path):
    (tmp_path / "file").write_text("")
    assert "is a file" in (problem(tmp_path / "file") or "")
    assert problem(ROOT) is not None
    assert problem(tmp_path / "new") is None and problem(tmp_path / "new" / "deeper") is None


def test_a_state_folder_is_private_and_deleted_only_when_no_stack_holds_it(tmp_path):
    folder = StateFolder(tmp_path / "state")
    folder.create()
    assert (folder.path.stat().st_mode & 0o777) == 0o700
    (folder.dynamodb / "shared-local-instance.db").write_bytes(b"data")
    held = folder.lock()
    assert held is not None
    assert folder.lock() is None  # a second stack on the same folder is refused
    with pytest.raises(RuntimeError, match="is using"):
        folder.delete()
    assert folder.exists()
    held.close()
    assert folder.delete() is True and not folder.path.exists()
    assert folder.delete() is False


def test_make_reset_deletes_the_state_folder(tmp_path):
    folder = StateFolder(tmp_path / "state")
    folder.create()
    env = {"LOCAL_STATE_DIR": str(folder.path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "infra.local.state", "reset"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "deleted the local state" in done.stdout and not folder.path.exists()


def test_stack_settings_of_the_state_are_validated():
    problems = configuration_problems({"FRESH": "maybe", "EXPIRY_SWEEP_INTERVAL_SECONDS": "0"})
    assert any("FRESH" in line for line in problems)
    assert any("EXPIRY_SWEEP_INTERVAL_SECONDS" in line for line in problems)
