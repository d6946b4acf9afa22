# nbgrader configuration of the course (nbgrader 0.9.6). ``python -m tools.course`` loads this file and
# then points CourseDirectory.root and db_url at whichever copy of the course it works in.
# Each setting below answers a trap measured on nbgrader 0.9.6 (see AUTHORING.md).
import os

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

# The course's own preprocessors are in the repo's ``tools`` package. Whoever loads this file
# has the repo root on the import path: ``python -m tools.course`` and its grading worker,
# ``make formgrader`` (PYTHONPATH); a bare ``nbgrader`` command needs it too
# (``cd assignments && PYTHONPATH=.. nbgrader ...``).
from tools.grading.offline_feedback import configure_feedback
from tools.grading.preprocessors import (
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
# Per cell, not per notebook: tools.course adds a wall-clock limit per submission.
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
# (tools/grading/offline_feedback.py).
configure_feedback(c)
