"""Lay out the source tree as it installs, for the type checker and the layer check.

pyproject.toml maps the top-level `index/` and `harvesters/` to `pulse.index` and
`pulse.harvesters`. Python finds them through setuptools' editable finder, but mypy and
import-linter read folders, not import hooks. This builds `build/layout/pulse/...` out of
symbolic links to the real files (the same idea as setuptools' strict editable mode), so
both see the package a user installs. Run by `make lint`; nothing else reads it.

    python tools/installed_layout.py build/layout
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(target: Path) -> list[str]:
    """Recreate `target` with a link per .py file of every configured package; return the packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping: dict[str, str] = config.get("package-dir", {})
    if target.exists():
        shutil.rmtree(target)
    packages = []
    for package in config["packages"]:
        source = ROOT / mapping.get(package, package.replace(".", "/"))
        modules = sorted(source.glob("*.py"))
        if not modules:
            continue  # a data folder
        folder = target / package.replace(".", "/")
        folder.mkdir(parents=True, exist_ok=True)
        for module in modules:
            (folder / module.name).symlink_to(module)
        packages.append(package)
    return packages


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/layout")
    print(f"{out}: {', '.join(build(out))}")
