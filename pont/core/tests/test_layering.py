"""Imports point down only, as docs/architecture.md and DESIGN.md lay out.

core <- audit, accounts <- people, directory <- referrals <- source modules;
oversight and demo read everything and nothing imports them. Tests and
migrations may import what they test. A new module adds its line here.
"""

import ast
from pathlib import Path

import pytest

PONT = Path(__file__).resolve().parents[2]

# module -> the pont modules it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "audit": {"core"},
    "accounts": {"core", "audit"},
    "people": {"core", "audit", "accounts"},
    "directory": {"core", "audit", "accounts"},
    "referrals": {"core", "audit", "accounts", "people", "directory"},
    # Source modules stand on the referral engine and nothing below imports them.
    "drug_testing": {"core", "audit", "accounts", "people", "directory", "referrals"},
    "stop_search": {"core", "audit", "accounts", "people", "directory", "referrals"},
    "disposals": {"core", "audit", "accounts", "people", "directory", "referrals"},
    "testing": {
        "core",
        "audit",
        "accounts",
        "people",
        "directory",
        "referrals",
        "drug_testing",
        "stop_search",
        "disposals",
    },
    "demo": {
        "core",
        "audit",
        "accounts",
        "people",
        "directory",
        "referrals",
        "drug_testing",
        "stop_search",
        "disposals",
    },
}


def _pont_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pont" and len(parts) > 1:
                found.add(parts[1])
    return found


def _source_files(module: str) -> list[Path]:
    return [
        path
        for path in (PONT / module).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_every_module_has_a_layering_rule():
    modules = {p.name for p in PONT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert modules == set(ALLOWED), f"add the new module to ALLOWED: {modules ^ set(ALLOWED)}"


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_a_module_imports_only_the_modules_below_it(module):
    wrong = []
    for path in _source_files(module):
        for imported in _pont_imports(path) - {module, "cli"}:
            if imported not in ALLOWED[module]:
                wrong.append(f"{path.relative_to(PONT.parent)} imports pont.{imported}")
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_demo_module():
    offenders = [
        str(path.relative_to(PONT.parent))
        for module in ALLOWED
        if module != "demo"
        for path in _source_files(module)
        if "demo" in _pont_imports(path)
    ]
    assert not offenders
