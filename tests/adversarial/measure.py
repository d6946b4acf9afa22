"""Time grading with and without the sandbox (not a test; run by hand).

    PYTHONPATH=tests .venv/bin/python -m adversarial.measure hw1_linear_classifiers 5 [sandboxed]

Grades N copies of the solution notebook of a homework twice, once with nbgrader in-process
(no isolation) and once sandboxed (worker process, bubblewrap, limits), and prints the median
seconds per submission of each and the extrapolated time for a class of 100.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import synthetic

from tools.grading import batch, release, sandbox, submission
from tools.grading.paths import ensure_venv_on_path

ROOT = Path(__file__).resolve().parents[2]


def main(hw: str, n: int, only_sandboxed: bool = False) -> None:
    ensure_venv_on_path()
    with tempfile.TemporaryDirectory(prefix="dl-measure-") as tmp:
        tmp = Path(tmp)
        _, template = release.build_course(tmp / "src", [hw])
        subs = tmp / "subs"
        for i in range(n):
            synthetic.write(synthetic.source_notebook(hw), subs, f"s{i:03d}", hw)
        runs = [("in-process, no isolation", submission.autograde_in_process),
                ("sandboxed (" + sandbox.isolation()[1] + ")", None)]
        for label, executor in runs[1:] if only_sandboxed else runs:
            start = time.perf_counter()
            report = batch.grade_folder(subs, [hw], course_dir=tmp / label[:5],
                                        out_dir=tmp / "grades", template_db=template,
                                        gradebook=tmp / label[:5] / "gradebook.db",
                                        executor=executor)
            total = time.perf_counter() - start
            assert all(r.ok and r.auto_score == r.auto_max for r in report.results)
            median = statistics.median(r.seconds for r in report.results)
            print(f"{label}: {n} submissions in {total:.1f} s; median {median:.1f} s per "
                  f"submission; a class of 100 ~ {100 * total / n / 60:.1f} min")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:] == ["sandboxed"])
