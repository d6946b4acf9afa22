"""LMS zips are unpacked by our own code: every hostile member is refused with a reason,
the rest of the class is unpacked (tools/grading/lms.py)."""

import stat
import zipfile
from pathlib import Path

import pytest

from tools.grading import lms

ROOT = Path(__file__).resolve().parents[1]


HW = "hw1_linear_classifiers"
NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _zip(path: Path, members: list[tuple[str, bytes]], *, links=(), compress=False) -> Path:
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members:
            zf.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_hostile_members_are_refused_and_the_rest_unpacked(tmp_path):
    inner = _zip(tmp_path / "inner.zip", [(f"eve_{HW}.ipynb", NB)])
    archive = _zip(tmp_path / "lms.zip", [
        (f"alice_{HW}.ipynb", NB),
        (f"folder/bob_{HW}.ipynb", NB),
        (f"../../escape_{HW}.ipynb", NB),            # path traversal
        (f"/abs/carol_{HW}.ipynb", NB),               # absolute path
        (f"dave_{HW}.zip", inner.read_bytes()),        # archive by name
        (f"frank_{HW}.ipynb", inner.read_bytes()),     # archive by magic bytes
        (f".hidden_{HW}.ipynb", NB),                  # id with a leading dot
        (f"g race_{HW}.ipynb", NB),                   # id with a space
        ("heidi_hw2_optimizers.ipynb", NB),           # another homework
        (f"ivan_{HW}.ipynb", NB), (f"x/ivan_{HW}.ipynb", NB),  # the same id twice
        ("readme.txt", b"hello"),                     # not a submission
    ], links=[(f"judy_{HW}.ipynb", "/etc/passwd")])
    out = lms.unpack(archive, HW, tmp_path / "out")
    assert sorted(out.students) == ["alice", "bob"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alice", "bob"]
    assert (tmp_path / "out" / "alice" / HW / f"{HW}.ipynb").read_bytes() == NB
    text = "\n".join(out.rejected)
    for expected in ("escape", "carol", "dave", "frank", ".hidden", "g race", "heidi", "ivan",
                     "readme", "judy"):
        assert expected in text, expected
    assert "path outside the archive" in text and "archive inside the upload" in text
    assert "symbolic link" in text and "appears 2 times" in text
    assert not (tmp_path / "escape_hw1_linear_classifiers.ipynb").exists()
    assert len(out.rejected) == 10


def test_a_zip_bomb_member_is_cut_off(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", [(f"mallory_{HW}.ipynb", b"\0" * (30 * 2**20)),
                                           (f"alice_{HW}.ipynb", NB)], compress=True)
    out = lms.unpack(archive, HW, tmp_path / "out")
    assert out.students == ["alice"]
    assert "mallory" in out.rejected[0] and "expands past" in out.rejected[0]


def test_not_a_zip_is_refused_whole(tmp_path):
    bad = tmp_path / "lms.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(lms.ArchiveRejected):
        lms.unpack(bad, HW, tmp_path / "out")
