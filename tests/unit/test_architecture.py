"""The house's walls: every module on a floor, no import cycles, no permission without a rule.

``lint-imports`` (run by ``make test`` before pytest) checks the floors themselves; these tests
keep the contracts complete as modules are added.
"""
from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import grimp
import pytest

from marketplace import create_app
from marketplace.core import policy

ROOT = Path(__file__).resolve().parents[2]
OURS = ("marketplace", "care", "teams", "billing")


def _floors() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "floors")
    return [{name.strip() for name in layer.replace("\\", " ").replace("|", ":").split(":")}
            for layer in contract["layers"]]


def _modules(package: str) -> set[str]:
    base = ROOT / package
    return {".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for path in base.rglob("*.py") if "__pycache__" not in path.parts}


def test_every_module_of_teams_and_billing_stands_on_a_floor():
    # teams and billing are split between floor 1 (their kernels) and floor 3 (their use cases),
    # so each of their modules is named in the contract; a new one must be placed there too.
    named = set().union(*_floors())
    for package in ("teams", "billing"):
        for module in _modules(package) - {package}:
            assert any(module == name or module.startswith(name + ".") for name in named), \
                f"{module} is on no floor of the import-linter contract in pyproject.toml"


def test_no_import_cycles_between_our_modules():
    graph = grimp.build_graph(*OURS)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            # The package __init__ of the composition imports inside create_app only; a module
            # importing its own parent package is not a cycle of ideas.
            if importer.startswith(imported + "."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == []


TEST_CONFIG = {"ZORGMARKT_MODE": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}


@pytest.fixture
def registered():
    """An app built once, so every package has registered its rules."""
    return create_app(TEST_CONFIG)


def test_the_app_refuses_to_start_while_a_permission_has_no_rule(monkeypatch, registered):
    rules = dict(policy._RULES)
    del rules[policy.Perm.HEALTH_VIEW]
    monkeypatch.setattr(policy, "_RULES", rules)
    with pytest.raises(policy.PolicyIncomplete, match="health.view"):
        create_app(TEST_CONFIG)


def test_a_permission_cannot_have_two_rules(registered):
    with pytest.raises(policy.PolicyIncomplete):
        policy.rule(policy.Perm.HEALTH_VIEW)(lambda user, target: True)


def _module_aliases(tree: ast.AST, package: str) -> dict[str, object]:
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                try:
                    aliases[alias.asname or alias.name] = importlib.import_module(f"{base}.{alias.name}")
                except ImportError:
                    pass  # a name, not a module
    return aliases


def test_every_name_used_from_one_of_our_modules_exists(registered):
    # An ``except module.Gone`` fails only when something is raised: after a rename the page
    # would answer 500 instead of the form error. Pyflakes cannot see it; this can.
    missing = []
    for path in sorted(p for package in (*OURS, "tests", "benchmarks") for p in (ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        package = module.removesuffix(".__init__") if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text())
        aliases = _module_aliases(tree, package)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and not hasattr(aliases[node.value.id], node.attr):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert missing == []
