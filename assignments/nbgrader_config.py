# nbgrader configuration of the course (nbgrader 0.9.6). tools/course.py loads this file and
# then points CourseDirectory.root and db_url at whichever copy of the course it works in.
# Each setting below answers a trap measured in docs/../research notes (see AUTHORING.md).
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor


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
