"""Where the course lives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COURSE_DIR = REPO / "assignments"
SOURCE_DIR = COURSE_DIR / "source"
RELEASE_DIR = COURSE_DIR / "release"
CONFIG_FILE = COURSE_DIR / "nbgrader_config.py"
ARTIFACTS = REPO / "artifacts"


def homework_names(source_dir: Path = SOURCE_DIR) -> list[str]:
    """Every homework: a folder ``source/<hw>/`` holding ``<hw>.ipynb``, sorted by name."""
    return sorted(p.name for p in source_dir.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def notebook_name(hw: str) -> str:
    """The one notebook of a homework is named after it."""
    return f"{hw}.ipynb"


def ensure_venv_on_path() -> None:
    """Put the running interpreter's bin/ first on PATH.

    nbgrader creates a gradebook by running ``alembic`` as a subprocess found on PATH; without
    the venv's bin/ it fails and leaves a half-made gradebook.db behind.
    """
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if not parts or parts[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in parts if p != bin_dir])
