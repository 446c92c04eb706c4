"""The house rules a reader relies on, checked on the source (import-linter checks the layers).

- no module imports another module's `_private` names;
- only pulse/index/whoosh_internals.py touches private attributes of other objects
  (Whoosh's), and nothing else in the project reads private attributes of a dependency;
- every source kind of the vocabulary has a harvester, and every harvester a kind.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pulse.core.vocabulary import SOURCE_KINDS
from pulse.harvesters import HARVESTERS

ROOT = Path(__file__).resolve().parent.parent
CODE = [p for d in ("pulse", "index", "harvesters") for p in sorted((ROOT / d).rglob("*.py"))]
FENCE = ROOT / "index" / "whoosh_internals.py"
# Attribute names that look private but are public protocol (dunder-free, by convention of the stdlib).
PUBLIC_UNDERSCORED = {"_replace", "_asdict", "_fields", "_make"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_checks_see_the_code() -> None:
    assert len(CODE) > 40 and FENCE in CODE


def test_no_module_imports_another_modules_private_names() -> None:
    offences = []
    for path in CODE:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        if path != FENCE:  # the fence imports Whoosh's private codec names, on purpose
                            offences.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name}")
    assert offences == []


def private_attribute_reads(path: Path) -> list[str]:
    """`x._name` where x is not self/cls: a reach into someone else's internals."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if node.attr in PUBLIC_UNDERSCORED:
                continue
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_only_the_fence_reads_private_attributes() -> None:
    offences = [hit for path in CODE if path != FENCE for hit in private_attribute_reads(path)]
    assert offences == []
    assert private_attribute_reads(FENCE), "the fence is where the private reads are"


def test_the_private_attribute_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(reader):\n    return reader._perdoc\n")
    assert private_attribute_reads(sample) == ["sample.py:2 ._perdoc"]


def test_every_source_kind_has_one_harvester() -> None:
    assert set(SOURCE_KINDS) == set(HARVESTERS)
    for kind, harvester in HARVESTERS.items():
        assert harvester.kind == kind
