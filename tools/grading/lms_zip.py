"""Which homework an LMS download holds, read from the notebook names inside the zip."""

from __future__ import annotations

import zipfile
from pathlib import Path


class HomeworkUnknown(ValueError):
    """The zip does not name exactly one homework; the message lists the choices."""


def infer_homework(zip_path: Path, hws: list[str]) -> str:
    """The one homework whose notebook name (``<hw>.ipynb``) the zip's notebooks end with.

    LMS downloads name files like ``alice_hw1_linear_classifiers.ipynb``; a zip holding
    notebooks of two homework, or of none, is refused with the list of homework.
    """
    path = Path(zip_path)
    if not path.is_file():
        raise HomeworkUnknown(f"no such zip: {path}; give the homework with --assignment "
                              f"(make grade ZIP=... HW=...), one of: {', '.join(hws)}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = [Path(n).name for n in archive.namelist() if n.endswith(".ipynb")]
    except zipfile.BadZipFile:
        raise HomeworkUnknown(f"{path} is not a zip file") from None
    found = sorted({hw for hw in hws for n in names if n == f"{hw}.ipynb"
                    or n.endswith(f"_{hw}.ipynb")})
    if len(found) == 1:
        return found[0]
    what = (f"notebooks of several homework ({', '.join(found)})" if found else
            f"no notebook named after a homework ({len(names)} notebook(s))")
    raise HomeworkUnknown(f"{path} holds {what}; say which with --assignment "
                          f"(make grade ZIP=... HW=...), one of: {', '.join(hws)}")
