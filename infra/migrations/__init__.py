"""Versioned schema migrations: step modules `mNNNN_<what>.py` here, applied in order by runner.py.

Each step module defines:

    VERSION: int          # its number, the NNNN of its file name
    DESCRIPTION: str      # one line: what it changes
    def apply() -> None   # idempotent, safe to run again after a crash part way (backfills too);
                          # uses chalicelib.store / models, so the stage comes from STAGE

`python -m infra.migrations` applies what is missing (the provisioner and infra/post_deploy.py
call the same runner); docs/decisions.md ("Migrations") says where the version is recorded.
"""
