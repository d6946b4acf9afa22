# nbgrader configuration of the course (nbgrader 0.9.6). tools/course.py loads this file and
# then points CourseDirectory.root and db_url at whichever copy of the course it works in.
# Each setting below answers a trap measured in docs/../research notes (see AUTHORING.md).
import copy
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Integer

#: Written into a cell whose output was cut; tools/grading/report.py looks for it.
TRUNCATION_MARK = "[output truncated by the grader:"


def _message_size(msg):
    content = msg.get("content", {})
    size = len(str(content.get("text", ""))) + len(str(content.get("evalue", "")))
    size += sum(len(str(line)) for line in content.get("traceback", []) or [])
    size += sum(len(str(value)) for value in (content.get("data") or {}).values())
    return size


#: Evaluated in the kernel after each test cell (see GuardedExecute.probe).
INTEGRITY_PROBE = "__import__('dlhelpers.grading', fromlist=['_']).integrity_report()"


class GuardedExecute(Execute):
    """nbgrader's Execute, with an integrity probe after every test cell and an output cap.

    Probe: after a test cell has run, the grader asks the kernel for
    ``dlhelpers.grading.integrity_report()`` through ``user_expressions`` (evaluated without
    IPython's input transformers). Unless the answer is ``'ok'``, an error output is added
    to the test cell, so it scores 0: a submission that patched numpy, builtins, the grading
    helpers or IPython's cell pipeline (e.g. to blank the test cells) earns nothing there.

    Cap: nbgrader's Execute, keeping at most ``max_output_chars`` of output per cell.
    nbgrader's LimitOutput counts lines after execution, so one 50 MB line passed whole into
    the grader's memory and the autograded notebook (measured). Here the cap applies while
    messages arrive. Errors and stderr are never dropped (they decide the grade): past the
    cap an error is kept shortened and stderr leaves a one-line mark.
    """

    max_output_chars = Integer(100_000, help="output characters kept per cell").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if getattr(self, "_chars_used", {}).get(index, 0) > self.max_output_chars:
            # the text mark may be cut again by LimitOutput's line limit: record it here too
            cell.metadata["output_truncated_by_grader"] = True
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            verdict = self.probe(cell)
            if verdict != "'ok'":
                # no answer at all (a kernel stuck in a loop) is not proof of tampering
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
        size = _message_size(msg)
        total = used.get(cell_index, 0) + size
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


class ShortenTestTracebacks(NbGraderPreprocessor):
    """In feedback, reduce a failing test cell's traceback to its last line.

    An IPython traceback quotes the source line that failed, which for a hidden test is a
    hidden line; the exception message (written for the student) is what they need.
    """

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# The kernel of every submission is the grader's python3, whatever the student's notebook says.
c.Execute.kernel_name = "python3"
# Per cell, not per notebook: tools/course.py adds a wall-clock limit per submission.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# A kernel that ignores SIGINT costs that submission its points instead of failing the run.
c.Execute.raise_on_iopub_timeout = False
c.Execute.startup_timeout = 60
# The same with a cap on output kept while the cell runs (see GuardedExecute).
c.Autograde.autograde_preprocessors = [GuardedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
c.GuardedExecute.max_output_chars = 100_000

# Deleted or de-tagged test cells are put back and graded.
c.OverwriteCells.add_missing_cells = True

# A warning printed by correct code (stderr) must not zero the test cell that triggered it.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(Warning|warn\(|\[IPKernelApp\])"

# Bound what a submission can print into the autograded notebook and feedback.
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 40

# Feedback shows the grades but not the hidden tests (nbgrader shows them by default).
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ShortenTestTracebacks,
                                    CSSHTMLHeaderPreprocessor]

# The exchange (release_assignment / fetch / submit / collect) lives where the instructor says.
c.Exchange.root = os.environ.get("DL_COURSE_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True

# Feedback readable offline (MathJax inlined, long lines wrapped) and without the
# instructor-only mark-scheme cells that `make formgrader` shows graders
# (tools/grading/offline_feedback.py). Found next to this file, or next to dlhelpers when this
# config was copied elsewhere (test course copies).
import sys  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
_tools = [os.path.join(os.path.dirname(_here), "tools")]
try:
    import dlhelpers

    _tools.append(os.path.join(os.path.dirname(os.path.dirname(dlhelpers.__file__)), "tools"))
except ImportError:
    pass
_tools = [t for t in _tools if os.path.isfile(os.path.join(t, "grading", "offline_feedback.py"))]
if _tools and _tools[0] not in sys.path:
    sys.path.insert(0, _tools[0])
from grading.offline_feedback import configure_feedback  # noqa: E402

configure_feedback(c)
