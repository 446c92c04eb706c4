"""Where the files Pulse ships live, in a source checkout and in an installed wheel.

The top-level `templates/` and `sources.yaml` are the source of truth. A wheel
carries them inside the package (`pulse/templates/`, `pulse/shipped/sources.yaml`,
mapped in pyproject.toml); a checkout or editable install reads them in place.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the `pulse` package
PROJECT_ROOT = PACKAGE_DIR.parent  # a source checkout's root (site-packages when installed)


def shipped_dir(name: str) -> Path:
    """A shipped folder such as `templates`: inside the package when installed, else the checkout's."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PROJECT_ROOT / name


def shipped_file(name: str) -> Path:
    """A shipped top-level file such as `sources.yaml` (packaged under `pulse/shipped/`)."""
    installed = PACKAGE_DIR / "shipped" / name
    return installed if installed.is_file() else PROJECT_ROOT / name
