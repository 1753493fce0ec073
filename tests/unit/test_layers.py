"""The layering the store seam promises: above chalicelib/store, nothing imports PynamoDB or a
repository module; services reach storage only through store(), records and the interface."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
ABOVE_THE_STORE = ["domain", "services", "jobs", "api"]
STORE_FACES = {"chalicelib.store", "chalicelib.store.records", "chalicelib.store.interface"}


def imported_modules(path: Path) -> set[str]:
    package = ".".join(path.relative_to(CHALICELIB.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if module == "chalicelib.store")
    return found


@pytest.mark.parametrize("layer", ABOVE_THE_STORE)
def test_only_the_store_knows_pynamodb_and_its_models(layer: str) -> None:
    for path in sorted((CHALICELIB / layer).rglob("*.py")):
        for module in imported_modules(path):
            assert not module.startswith("pynamodb"), f"{path} imports {module}"
            if module.startswith("chalicelib.store"):
                assert module in STORE_FACES | {"chalicelib.store.store", "chalicelib.store.use"}, (
                    f"{path} imports {module}"
                )
