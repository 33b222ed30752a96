"""The house's walls: every module on a floor, no import cycles, no permission without a rule.

``lint-imports`` (run by ``make test`` before pytest) checks the floors themselves; these tests
keep the contracts complete as modules are added.
"""
from __future__ import annotations

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
