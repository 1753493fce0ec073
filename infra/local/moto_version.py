"""Which moto the emulator's patches were written for, checked before any of them is imported.

The patches (infra/local/moto_correctness.py, moto_speed.py) replace functions
inside moto's server and SQS models, and reach into their private attributes. Under
another moto they fail at import, or worse, import and silently do the wrong thing. So the
emulator and `make run`'s supervisor check the installed version first, using only the package
metadata (no moto import), and refuse to start with a message that says what to do.
"""

from __future__ import annotations

from importlib import metadata

# The moto versions the patches were written and tested against (requirements-local.txt pins it).
SUPPORTED_MOTO = frozenset({"5.2.5"})
# The emulator's exit code when the installed moto is not one of them (sysexits' EX_CONFIG): the
# supervisor stops the stack on it instead of reporting a crash.
UNSUPPORTED_MOTO_EXIT = 78


def installed_moto() -> str | None:
    try:
        return metadata.version("moto")
    except metadata.PackageNotFoundError:
        return None


def moto_version_problem() -> str | None:
    """None if the installed moto is supported, else the message to show (no moto import)."""
    installed = installed_moto()
    if installed in SUPPORTED_MOTO:
        return None
    wanted = " or ".join(sorted(SUPPORTED_MOTO))
    found = f"moto {installed} is installed" if installed else "moto is not installed"
    return (
        f"the embedded AWS emulator's patches were written for moto {wanted}, but {found}.\n"
        f"Install the supported version: `.venv/bin/pip install 'moto[server]=={max(SUPPORTED_MOTO)}'`, "
        "or rebuild the environment from requirements-local.txt: `make clean && make run`.\n"
        "(Another moto needs the patches in infra/local/ reviewed first: docs/emulator.md lists them.)"
    )
