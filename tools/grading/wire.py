"""Plain data between the trusted grader and the student's kernel: arrays and numbers only.

One message is one ``.npz`` file written by ``numpy.savez`` and read with
``numpy.load(..., allow_pickle=False)``. Its entry ``__json__`` (uint8 bytes of UTF-8 JSON)
holds the structure; every array of the value is its own entry, referred to from the JSON
as ``{"__nd__": "a3"}``. Besides arrays the JSON may hold numbers, strings, booleans and
``null``, plus three tagged containers:

* ``{"__tuple__": [...]}`` for a tuple,
* ``{"__dict__": [[key, value], ...]}`` for a dict (keys: int, float, str, bool or tuples
  of them),
* lists as JSON lists.

Nothing else exists on the wire: no pickles, no objects with behaviour, no object arrays.
:func:`decode_file` is the grader's reader. It checks the archive's declared sizes before
reading anything, reads with ``allow_pickle=False``, accepts only numeric and boolean
dtypes, bounds nesting depth and element counts, and returns fresh numpy arrays and Python
scalars built by the grader, so nothing the student's process made survives into the
comparison. The kernel side of the protocol is :mod:`grading.harness_kernel` (a copy of
the encoder, standard library and numpy only).
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

#: Largest message the grader reads (bytes on disk and declared uncompressed bytes).
MAX_BYTES = 64 * 2**20
#: Deepest nesting of containers accepted.
MAX_DEPTH = 20
#: Most containers and leaves in one value.
MAX_ITEMS = 100_000
#: dtype kinds accepted in arrays: bool, signed and unsigned int, float.
ARRAY_KINDS = "biuf"


class WireError(ValueError):
    """A message that is not plain data of the allowed kinds and sizes."""


# ----------------------------------------------------------------------------- encoding

def encode(value, arrays: dict[str, np.ndarray], depth: int = 0):
    """The JSON form of ``value``; arrays are moved into ``arrays`` (name -> array)."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if isinstance(value, np.ndarray):
        arr = np.array(value, subok=False)  # a plain copy, never a subclass
        if arr.dtype.kind not in ARRAY_KINDS:
            raise WireError(f"arrays of dtype {arr.dtype} cannot be sent")
        name = f"a{len(arrays)}"
        arrays[name] = arr
        return {"__nd__": name}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            return {"__float__": repr(number)}
        return number
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays, depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, arrays, depth + 1), encode(v, arrays, depth + 1)]
                             for k, v in value.items()]}
    raise WireError(f"values of type {type(value).__name__} cannot be sent")


def write_message(path: Path, value, *, dir_fd: int | None = None) -> None:
    """Write ``value`` as a new file ``path`` (refusing to follow or replace anything)."""
    arrays: dict[str, np.ndarray] = {}
    structure = encode(value, arrays)
    buffer = io.BytesIO()
    np.savez(buffer, __json__=np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8),
             **arrays)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644, dir_fd=dir_fd)
    os.fchmod(fd, 0o644)  # readable by a kernel running as another user, whatever the umask
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())


# ----------------------------------------------------------------------------- decoding

def read_bytes(name: str, dir_fd: int) -> bytes:
    """The content of the regular file ``name`` in the folder ``dir_fd``, never a link."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK,
                     dir_fd=dir_fd)
    except FileNotFoundError:
        raise WireError("the kernel wrote no answer") from None
    except OSError as exc:
        raise WireError(f"the answer file cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise WireError("the answer is not a regular file")
        if info.st_size > MAX_BYTES:
            raise WireError(f"the answer is larger than {MAX_BYTES} bytes")
        return fh.read(MAX_BYTES + 1)


def decode_bytes(data: bytes):
    """The value of one message (see the module docstring for what is accepted)."""
    if len(data) > MAX_BYTES:
        raise WireError(f"the answer is larger than {MAX_BYTES} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WireError(f"the answer is not an npz archive ({exc})") from None
    if declared > MAX_BYTES or len(archive.infolist()) > MAX_ITEMS:
        raise WireError("the answer declares too much data")
    for info in archive.infolist():  # numpy allocates what a header claims before reading
        _check_header(archive, info)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            raw = {name: npz[name] for name in npz.files}
    except Exception as exc:  # numpy raises many types on malformed input
        raise WireError(f"the answer cannot be read as plain arrays ({type(exc).__name__})") \
            from None
    meta = raw.pop("__json__", None)
    if meta is None or meta.dtype != np.uint8 or meta.ndim != 1:
        raise WireError("the answer has no structure entry")
    try:
        structure = json.loads(meta.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WireError("the answer's structure is not JSON") from None
    counter = [0]
    return _decode(structure, raw, 0, counter)


def _check_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an ``.npy`` member whose header claims more data than the member holds."""
    try:
        with archive.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            shape, _fortran, dtype = reader(fh, max_header_size=10_000)
            header_end = fh.tell()
    except Exception as exc:  # malformed headers raise many types
        raise WireError(f"the answer holds a malformed array ({type(exc).__name__})") from None
    if dtype.hasobject:
        raise WireError("the answer holds an object array")
    count = math.prod(int(n) for n in shape)
    if count * dtype.itemsize > info.file_size - header_end:
        raise WireError("an array of the answer claims more data than it holds")


def _decode(node, arrays: dict[str, np.ndarray], depth: int, counter: list[int]):
    counter[0] += 1
    if counter[0] > MAX_ITEMS or depth > MAX_DEPTH:
        raise WireError("the answer is nested too deeply or has too many items")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, depth + 1, counter) for v in node]
    if not isinstance(node, dict) or len(node) != 1:
        raise WireError("the answer's structure holds an unknown object")
    (tag, body), = node.items()
    if tag == "__nd__":
        arr = arrays.get(body) if isinstance(body, str) else None
        if arr is None:
            raise WireError("the answer refers to a missing array")
        if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.byteorder not in "=|<>":
            raise WireError(f"arrays of dtype {arr.dtype} are not accepted")
        return np.array(arr, dtype=arr.dtype.newbyteorder("="), copy=True)
    if tag == "__float__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "__tuple__" and isinstance(body, list):
        return tuple(_decode(v, arrays, depth + 1, counter) for v in body)
    if tag == "__dict__" and isinstance(body, list):
        out = {}
        for pair in body:
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("the answer holds a malformed dict")
            key = _decode(pair[0], arrays, depth + 1, counter)
            try:
                hash(key)
            except TypeError:
                raise WireError("dict keys must be numbers, strings or tuples") from None
            out[key] = _decode(pair[1], arrays, depth + 1, counter)
        return out
    raise WireError(f"the answer's structure holds an unknown tag {str(tag)[:40]!r}")
