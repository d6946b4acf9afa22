"""nbgrader preprocessors of the course (configured in ``assignments/nbgrader_config.py``).

* :class:`TrustedExecute` -- the autograde execution step. For a homework with a grader spec
  (``assignments/graders/<hw>.py``) the student's kernel runs every cell EXCEPT the test
  cells; at each test cell the grader runs the spec's checks (:mod:`grading.spec`), calling
  the student's functions through :class:`KernelLink`, and writes its verdict as the cell's
  outputs, which nbgrader's own SaveAutoGrades then turns into the score. Homework without a
  spec falls back to :class:`GuardedExecute` (tests inside the kernel, not trustworthy).
* :class:`GuardedExecute` -- nbgrader's Execute with an output cap and, for legacy homework,
  the in-kernel integrity probe.
* :class:`ShortenTestTracebacks` -- feedback shows an error's last line only.
* :class:`SanitizeNotebook` -- see :mod:`grading.sanitize`.
"""

from __future__ import annotations

import ast
import base64
import binascii
import copy
import os
import secrets
import tempfile
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Integer, Unicode

from . import spec as S
from . import wire
from .analysis import DefinitionReader
from .sanitize import SanitizeNotebook  # noqa: F401 (re-exported for the config)

#: Written into a cell whose output was cut; tools/grading/report.py looks for it.
TRUNCATION_MARK = "[output truncated by the grader:"
#: Evaluated in the kernel after each legacy test cell (see GuardedExecute.probe).
INTEGRITY_PROBE = "__import__('dlhelpers.grading', fromlist=['_']).integrity_report()"
#: After this many timed-out calls in one notebook, the remaining calls fail at once (a
#: student function that sleeps cannot push the whole submission past its time limit).
MAX_TIMEOUTS = 3
#: The name of the verdict error in a test cell that scored 0 (report.py counts on it).
VERDICT_ERROR = "GradingFailed"
_HERE = Path(__file__).resolve().parent


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


#: Figures: counted against their own budget (``max_image_chars``), not the text cap.
IMAGE_MIMES = ("image/png", "image/jpeg")


def _message_size(msg):
    """Characters of text in one output message (images excluded: see :func:`_image_size`)."""
    content = msg.get("content", {})
    size = len(str(content.get("text", ""))) + len(str(content.get("evalue", "")))
    size += sum(len(str(line)) for line in content.get("traceback", []) or [])
    size += sum(len(str(value)) for key, value in (content.get("data") or {}).items()
                if key not in IMAGE_MIMES)
    return size


def _image_size(msg):
    """Characters of base64 image data (PNG, JPEG) in one output message."""
    data = msg.get("content", {}).get("data") or {}
    return sum(len(str(value)) for key, value in data.items() if key in IMAGE_MIMES)


class GuardedExecute(Execute):
    """nbgrader's Execute keeping at most ``max_output_chars`` of text output per cell.

    Figures (PNG, JPEG) have their own budget per cell, ``max_image_chars``, so a cell
    that draws a few plots is neither cut nor flagged.

    nbgrader's LimitOutput counts lines after execution, so one 50 MB line passed whole into
    the grader's memory and the autograded notebook (measured). Here the cap applies while
    messages arrive. Errors and stderr are never dropped (they decide a legacy grade): past
    the cap an error is kept shortened and stderr leaves a one-line mark.

    For a legacy homework (no grader spec) it also asks the kernel, after every test cell,
    for ``dlhelpers.grading.integrity_report()``; this stops only naive patching.
    """

    max_output_chars = Integer(100_000, help="output characters kept per cell").tag(config=True)
    # a figure of the inline backend is 30-100 k characters of base64; a cell drawing a few
    # must not be cut (and flagged) like a text flood, yet images stay bounded per cell
    max_image_chars = Integer(2_000_000, help="base64 image characters kept per cell "
                              "(figures)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if getattr(self, "_chars_used", {}).get(index, 0) > self.max_output_chars:
            # the text mark may be cut again by LimitOutput's line limit: record it here too
            cell.metadata["output_truncated_by_grader"] = True
        if is_test_cell(cell):
            verdict = self.probe(cell)
            if verdict != "'ok'":
                ename = "ProbeFailed" if verdict == "no reply from the kernel" else \
                    "TamperingDetected"
                cell.outputs.append(NotebookNode(
                    output_type="error", ename=ename, evalue=verdict,
                    traceback=[f"{ename}: the grader's integrity check says {verdict}"]))
        return cell, resources

    def probe(self, cell) -> str:
        """The kernel's answer to INTEGRITY_PROBE, as text (``"'ok'"`` when untouched)."""
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"integrity": INTEGRITY_PROBE})
        reply = self.wait_for_reply(msg_id, cell)
        if reply is None:
            return "no reply from the kernel"
        answer = reply["content"].get("user_expressions", {}).get("integrity", {})
        if answer.get("status") != "ok":
            return f"the check failed to run ({answer.get('ename', 'no answer')})"
        return str(answer.get("data", {}).get("text/plain", ""))[:2000]

    def output(self, outs, msg, display_id, cell_index):
        used = getattr(self, "_chars_used", {})
        self._chars_used = used
        images = getattr(self, "_image_chars_used", {})
        self._image_chars_used = images
        images[cell_index] = images.get(cell_index, 0) + _image_size(msg)
        total = used.get(cell_index, 0) + _message_size(msg)
        if images[cell_index] > self.max_image_chars:  # cut from here on, like a text flood
            total = max(total, self.max_output_chars + 1)
        used[cell_index] = total
        if total <= self.max_output_chars:
            return super().output(outs, msg, display_id, cell_index)
        kind, content = msg["msg_type"], msg["content"]
        marks = getattr(self, "_marks", set())
        self._marks = marks
        if kind == "error":
            short = copy.deepcopy(msg)
            short["content"]["evalue"] = str(content.get("evalue", ""))[:2000]
            short["content"]["traceback"] = [str(content.get("ename", "Error")) + ": "
                                             + short["content"]["evalue"]]
            return super().output(outs, short, display_id, cell_index)
        stream = content.get("name", "stdout") if kind == "stream" else "stdout"
        if (cell_index, stream) in marks:
            return None
        marks.add((cell_index, stream))
        mark = copy.deepcopy(msg)
        mark["msg_type"] = mark["header"]["msg_type"] = "stream"
        mark["content"] = {"name": stream, "text": f"\n{TRUNCATION_MARK} more than "
                           f"{self.max_output_chars} characters]\n"}
        return super().output(outs, mark, None, cell_index)


class KernelLink:
    """Round trips to the student's kernel for a grader spec (see :mod:`grading.harness_kernel`).

    Requests: the grader creates ``req-<random>.npz`` (``O_EXCL|O_NOFOLLOW``, through a
    directory fd) in a folder the kernel can only read (bound read-only into the sandbox at
    ``kernel_dir``). Answers: the kernel's harness returns the encoded answer as the value
    of a ``user_expressions`` entry, so it travels over the kernel's own socket and the
    kernel never needs to write a file the grader reads. Each call has its own timeout; a
    kernel still stuck after the interrupt is marked unavailable and later calls fail at once.
    """

    def __init__(self, executor: TrustedExecute, host_dir: Path, kernel_dir: str) -> None:
        self.ex = executor
        self.host_dir = Path(host_dir)
        self.kernel_dir = kernel_dir
        self.host_dir.mkdir(parents=True, exist_ok=True)
        self.dir_fd = os.open(self.host_dir, os.O_RDONLY | os.O_DIRECTORY
                              | getattr(os, "O_NOFOLLOW", 0))
        self.dead = ""
        self.calls = 0
        self.timeouts = 0

    def close(self) -> None:
        os.close(self.dir_fd)

    def install(self) -> None:
        """Send the harness into the kernel (before any student cell runs)."""
        source = ("import types as _t, sys as _s\n_m = _t.ModuleType('_dl_grader_harness')\n"
                  f"exec(compile({(_HERE / 'wire.py').read_text()!r}, 'wire', 'exec'), _m.__dict__)\n"
                  f"exec(compile({(_HERE / 'harness_kernel.py').read_text()!r}, 'harness', "
                  "'exec'), _m.__dict__)\n_s.modules['_dl_grader_harness'] = _m\n"
                  "del _t, _s, _m\n")
        if self._execute(source, 60.0) is None:
            self.dead = "the grader could not start its helper in your kernel"

    def _execute(self, code: str, timeout: float, expressions: dict | None = None):
        msg_id = self.ex.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                    user_expressions=expressions or {})
        old = self.ex.timeout
        self.ex.timeout = max(1, int(round(timeout)))
        try:
            return self.ex.wait_for_reply(msg_id, None)
        finally:
            self.ex.timeout = old

    def request(self, message: dict, timeout: float) -> dict:
        if self.dead:
            raise S.KernelUnavailable(self.dead)
        self.calls += 1
        name = f"req-{secrets.token_hex(12)}.npz"
        wire.write_message(name, message, dir_fd=self.dir_fd)
        path = f"{self.kernel_dir}/{name}"
        what = str(message.get("name"))
        try:
            reply = self._execute("", timeout, {"answer": f"__import__('_dl_grader_harness')"
                                                          f".serve({path!r}, globals())"})
        finally:
            try:
                os.unlink(name, dir_fd=self.dir_fd)
            except OSError:
                pass
        if reply is None:
            self.timeouts += 1
            if self._execute("", 5.0) is None:
                self.dead = "your kernel stopped answering after a call timed out"
            elif self.timeouts >= MAX_TIMEOUTS:
                self.dead = f"{MAX_TIMEOUTS} calls of your functions timed out: no more calls"
            raise S.Fail(f"{what}(...) did not finish within {timeout:g} s")
        answer = (reply.get("content", {}).get("user_expressions") or {}).get("answer") or {}
        text = (answer.get("data") or {}).get("text/plain") if answer.get("status") == "ok" \
            else None
        if not isinstance(text, str) or len(text) > 2 * wire.MAX_BYTES \
                or text[:1] not in ("'", '"') or text[-1:] != text[:1]:
            raise S.Fail(f"{what}: the kernel gave no answer (was the grader's helper replaced?)")
        try:
            encoded = ast.literal_eval(text)
            return wire.decode_bytes(base64.b64decode(encoded, validate=True))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError,
                binascii.Error):
            raise S.Fail(f"{what}: the kernel's answer is not plain data") from None
        except wire.WireError as exc:
            raise S.Fail(f"{what}: {exc}") from None


class TrustedExecute(GuardedExecute):
    """Autograde execution by trusted comparison (see the module docstring).

    Test cells never reach the kernel: their source (the visible tests) stays in the
    notebook for the student, but what runs is the grader spec, in this process. Each test
    cell's outputs are replaced by the verdict: a stdout text listing what failed, then
    nothing (full marks), a numeric ``execute_result`` (partial credit, nbgrader 0.9) or an
    error output (0 points).
    """

    grader_dir = Unicode("", help="folder of the grader specs <hw>.py").tag(config=True)
    request_dir = Unicode("", help="host folder where the grader writes call requests "
                          "(default: a fresh temporary folder)").tag(config=True)
    kernel_request_dir = Unicode("", help="the same folder as the kernel sees it (default: "
                                 "request_dir)").tag(config=True)
    call_timeout = Float(20.0, help="default seconds per call of a student function").tag(
        config=True)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources or {}
        hw = (resources.get("nbgrader") or {}).get("assignment", "")
        path = S.grader_path(Path(self.grader_dir), hw) if self.grader_dir and hw else None
        self._grader = S.load_grader(path) if path is not None and path.is_file() else None
        self._link = None
        self._defs = DefinitionReader()
        self._verdicts: list[S.Verdict] = []
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._link is not None:
                self._link.close()

    def preprocess_cell(self, cell, resources, index):
        if self._grader is None:
            return super().preprocess_cell(cell, resources, index)
        if self._link is None:
            host = self.request_dir or tempfile.mkdtemp(prefix="dl-requests-")
            os.chmod(host, 0o755)  # the kernel (maybe another user) reads requests
            self._link = KernelLink(self, Path(host), self.kernel_request_dir or host)
            self._link.install()
        if not is_test_cell(cell):
            cell, resources = Execute.preprocess_cell(self, cell, resources, index)
            if getattr(self, "_chars_used", {}).get(index, 0) > self.max_output_chars:
                cell.metadata["output_truncated_by_grader"] = True
            if cell.cell_type == "code":  # whether it raised: its later lines may not have run
                raised = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
                self._defs.add(cell.source, raised)
            return cell, resources
        self._grade(cell)
        return cell, resources

    def _grade(self, cell) -> None:
        grade_id = cell.metadata["nbgrader"].get("grade_id", "")
        test = self._grader.tests.get(grade_id)
        cell.execution_count = None
        if test is None:
            verdict = S.Verdict(grade_id, 0.0, float(cell.metadata["nbgrader"].get("points", 0)),
                                ["this test has no entry in the grader spec (tell your "
                                 "instructor)"])
        else:
            session = S.Session(self._link.request, self._defs.current(),
                                timeout=min(test.timeout, self.call_timeout * 10))
            verdict = S.run_test(test, session)
        self._verdicts.append(verdict)
        cell.outputs = verdict_outputs(verdict)
        cell.metadata["dl_grader"] = {"score": verdict.score, "points": verdict.points,
                                      "seed": str(verdict.seed)}


def verdict_outputs(verdict: S.Verdict) -> list[NotebookNode]:
    """The test cell outputs that make nbgrader record ``verdict.score``."""
    points = f"{verdict.score:g} of {verdict.points:g} points"
    lines = [f"Graded by the course grader: {points}."]
    lines += [f"- {m}" for m in verdict.messages]
    text = "\n".join(lines) + "\n"
    outputs = [NotebookNode(output_type="stream", name="stdout", text=text)]
    if verdict.score <= 0:
        first = verdict.messages[0] if verdict.messages else "no points"
        outputs.append(NotebookNode(output_type="error", ename=VERDICT_ERROR,
                                    evalue=first[:2000],
                                    traceback=[f"{VERDICT_ERROR}: {first[:2000]}"]))
    elif verdict.score < verdict.points:
        outputs.append(NotebookNode(output_type="execute_result", execution_count=None,
                                    metadata={}, data={"text/plain": f"{verdict.score:g}"}))
    return outputs


class ShortenTestTracebacks(NbGraderPreprocessor):
    """In feedback, reduce a failing test cell's traceback to its last line.

    An IPython traceback quotes the source line that failed; the exception message (written
    for the student) is what they need.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources
