# nbgrader configuration of the course (nbgrader 0.9.6). tools/course.py loads this file and
# then points CourseDirectory.root and db_url at whichever copy of the course it works in.
# Each setting below answers a trap measured on nbgrader 0.9.6 (see AUTHORING.md).
import os
import sys
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

# The course's own preprocessors live in tools/grading (next to this folder, or where
# DL_COURSE_TOOLS says when this file was copied elsewhere).
_TOOLS = Path(os.environ.get("DL_COURSE_TOOLS", Path(__file__).resolve().parent.parent / "tools"))
if str(_TOOLS) not in sys.path:
    sys.path.insert(0, str(_TOOLS))
from grading.preprocessors import (  # noqa: E402
    SanitizeNotebook,
    ShortenTestTracebacks,
    TrustedExecute,
)

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
# Trusted comparison: test cells are graded by assignments/graders/<hw>.py in the grader's
# process, never in the student's kernel (tools/grading/preprocessors.py); every student
# output is made inert before nbgrader stores the notebook (tools/grading/sanitize.py).
c.Autograde.autograde_preprocessors = [TrustedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SanitizeNotebook, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
c.TrustedExecute.grader_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "graders")
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
                                    SanitizeNotebook, CSSHTMLHeaderPreprocessor]

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
