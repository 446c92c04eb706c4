"""Where the files Pulse ships live, in a source checkout and in an installed wheel.

The top-level `templates/` and `sources.yaml` are the source of truth. A wheel
carries them inside the package (`pulse/templates/`, `pulse/shipped/sources.yaml`,
mapped in pyproject.toml); a checkout or editable install reads them in place.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the `pulse` package
PROJECT_ROOT = PACKAGE_DIR.parent  # a source checkout's root (site-packages when installed)
# Only a checkout has pyproject.toml beside the package. Installed, PROJECT_ROOT is
# site-packages, where a generic `templates/` may belong to another distribution: never read it.
IN_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()


def shipped_dir(name: str) -> Path:
    """A shipped folder such as `templates`: inside the package when installed, else the checkout's."""
    installed = PACKAGE_DIR / name
    if installed.is_dir() or not IN_CHECKOUT:
        return installed  # installed (or a broken install: errors then name the package's path)
    return PROJECT_ROOT / name


def shipped_file(name: str) -> Path:
    """A shipped top-level file such as `sources.yaml` (packaged under `pulse/shipped/`)."""
    installed = PACKAGE_DIR / "shipped" / name
    if installed.is_file() or not IN_CHECKOUT:
        return installed
    return PROJECT_ROOT / name
