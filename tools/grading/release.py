"""Student versions of the homework, and gradebooks that know the homework's cells."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from traitlets.config import Config

from . import nbg
from .paths import RELEASE_DIR, SOURCE_DIR, homework_names, notebook_name


def stage_sources(root: Path, hws: list[str], *, notebooks: bool = True,
                  source_dir: Path = SOURCE_DIR) -> Path:
    """Copy ``source/<hw>/`` for each homework into the course copy ``root``.

    With ``notebooks=False`` only the non-notebook files are copied (a grading copy must not
    hold the instructor notebooks: they contain every solution).
    """
    for hw in hws:
        src = source_dir / hw
        if not (src / notebook_name(hw)).is_file():
            raise FileNotFoundError(f"no source notebook {src / notebook_name(hw)}")
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc",
                                        *(() if notebooks else ("*.ipynb",)))
        shutil.copytree(src, root / "source" / hw, ignore=ignore, dirs_exist_ok=True)
    return root


def generate(root: Path, hws: list[str], *, db_path: Path | None = None,
             extra: Config | None = None, timeout: float = 300.0) -> Path:
    """Run generate_assignment for each homework in the course copy ``root``.

    Returns the gradebook path. A new gradebook costs ~5 s (nbgrader runs ``alembic``).
    """
    cfg = nbg.load_config(root, db_path=db_path, extra=extra)
    api = nbg.make_api(cfg)
    for hw in hws:
        nbg.run(lambda hw=hw: api.generate_assignment(hw, force=True, create=True),
                f"generate_assignment {hw}", timeout=timeout)
    return Path(cfg.CourseDirectory.db_url.removeprefix("sqlite:///"))


def build_course(workdir: Path, hws: list[str] | None = None, *,
                 source_dir: Path = SOURCE_DIR) -> tuple[Path, Path]:
    """A fresh course copy under ``workdir`` with every homework generated.

    Returns
    -------
    root : Path
        The course copy, with ``source/`` and ``release/``.
    gradebook : Path
        Its fresh gradebook, knowing every homework's cells and no student: the template
        each submission's grading copy starts from.
    """
    hws = hws or homework_names(source_dir)
    root = Path(workdir) / "course"
    root.mkdir(parents=True, exist_ok=True)
    stage_sources(root, hws, source_dir=source_dir)
    return root, generate(root, hws)


def build_release(hws: list[str] | None = None, out_dir: Path = RELEASE_DIR) -> dict[str, Path]:
    """Write ``out_dir/<hw>/`` (the student version) for each homework, from a fresh gradebook."""
    hws = hws or homework_names()
    written = {}
    with tempfile.TemporaryDirectory(prefix="dl-release-") as tmp:
        root, _ = build_course(Path(tmp), hws)
        for hw in hws:
            dest = Path(out_dir) / hw
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(root / "release" / hw, dest)
            written[hw] = dest
    return written


def register_homework(hws: list[str], gradebook: Path, *, source_dir: Path = SOURCE_DIR) -> None:
    """Make the real gradebook know each homework's notebooks and cells.

    Runs generate_assignment against ``gradebook`` in a throwaway course copy. nbgrader refuses
    (and this raises) if a homework already has submissions and its graded cells changed.
    """
    with tempfile.TemporaryDirectory(prefix="dl-register-") as tmp:
        root = Path(tmp) / "course"
        stage_sources(root, hws, source_dir=source_dir)
        generate(root, hws, db_path=Path(gradebook))
