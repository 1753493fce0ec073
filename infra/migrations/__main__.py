"""python -m infra.migrations [--status]: apply the stage's missing steps (STAGE, AWS_* from the
environment), or only show where it is."""

from __future__ import annotations

import argparse
import json
import sys

from .runner import NEWER_SCHEMA_EXIT, NewerSchema, discover, migrate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--status", action="store_true", help="print the recorded and newest versions only")
    args = parser.parse_args()
    if args.status:
        from chalicelib.store.schema import recorded_version

        steps = discover()
        print(json.dumps({"recorded": recorded_version(), "newest": steps[-1].version if steps else 0}))
        return 0
    try:
        done = migrate(say=lambda line: print(line, file=sys.stderr))
    except NewerSchema as error:
        print(f"migrations: {error}", file=sys.stderr)
        return NEWER_SCHEMA_EXIT
    print(json.dumps({"from": done.from_version, "to": done.to_version, "applied": list(done.applied)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
