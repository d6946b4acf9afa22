"""How fast does ``make grade`` get through a class: serially, with 2 local workers, on Dask?

    .venv/bin/python benchmarks/bench_grading.py --students 40
    .venv/bin/python benchmarks/bench_grading.py --students 12 --dask tcp://host:8786
    .venv/bin/python benchmarks/bench_grading.py --students 8 --homework hw1_linear_classifiers

A synthetic class of the tiny two-function homework of ``tests/test_grading_pipeline.py``
(its notebook runs in under a second, so it shows the fixed cost per submission, which is
what parallelism and the Dask transport add to or take from): honest (the
solution), partial (one function wrong, a test cell deleted), blank (the release as handed
out) and hostile (tampering with numpy's asserts, killing the kernel, an endless loop cut by
the cell timeout), in that rotation. The same class is graded four times into fresh
gradebooks: serially with a new worker process per submission (how grading worked before
the warm worker), serially, with ``workers=2`` (process pool) and on a 2-worker Dask LocalCluster
(or the cluster at ``--dask``). Every run's scores must equal the serial run's. Prints
seconds per submission (wall clock of the whole run / class size: everything, the grading
process's own work of checking and importing each result included), speed-up over the
first mode, and the bare nbclient execution of the same notebook in the same sandbox (step
1's floor: one notebook of each kind that runs to its end, alone on the machine, before and
after). "median grade s" is the median of each submission's own grading time (staging,
autograde, feedback, flags: what ``SubmissionResult.seconds`` counts, not the tripwire and
the import into the real gradebook that follow it), and ``/bare`` the median over the class
of that time over its kind's bare run. With 2 workers on 2 cores, two submissions share the
machine that the bare run had to itself.
``--homework`` grades a course homework instead (honest and blank submissions in turn), where
the same fixed cost sits on top of a real notebook's execution.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `make bench` runs this file by path, so its folder, not the repo, is on sys.path: the repo root
# (the tools package), tests/ (synthetic submissions, the tiny homework) and the builders
# (which that homework's notebook is made with) are added here, as pytest's `pythonpath` does.
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "assignments" / "builders")]

import nbformat  # noqa: E402
import synthetic  # noqa: E402
from traitlets.config import Config  # noqa: E402

from tools.grading import batch, release, sandbox, submission  # noqa: E402
from tools.grading.paths import SOURCE_DIR, ensure_venv_on_path  # noqa: E402

TINY = "tiny"
HOSTILE = {
    "patcher": "import numpy as np\n\nnp.testing.assert_allclose = lambda *a, **k: None\n"
               "np.allclose = lambda *a, **k: True\n\ndef square(x):\n    return x + x",
    "crasher": "import os\n\ndef square(x):\n    os._exit(1)",
    "looper": "def square(x):\n    while True:\n        pass",
}


def make_class(folder: Path, sources: Path, course_root: Path, n: int,
               hw: str = TINY) -> dict[str, str]:
    """Write ``n`` submissions; return student -> kind.

    A course homework (``hw`` other than the tiny one) gets honest and blank submissions in
    turn: its solution filled into the release, and the release as handed out.
    """
    if hw != TINY:
        released = synthetic.read(course_root / "release" / hw / f"{hw}.ipynb")
        solution = synthetic.read(sources / hw / f"{hw}.ipynb")
        kinds = {}
        for i in range(n):
            kind = ("honest", "blank")[i % 2]
            nb = (synthetic.fill(released, solution, synthetic.answer_ids(solution))
                  if kind == "honest" else nbformat.from_dict(dict(released)))
            synthetic.write(nb, folder, f"s{i:04d}", hw)
            kinds[f"s{i:04d}"] = kind
        return kinds
    released = synthetic.read(course_root / "release" / TINY / f"{TINY}.ipynb")
    solution = synthetic.read(sources / TINY / f"{TINY}.ipynb")
    kinds = {}
    rotation = ["honest", "partial", "blank", "hostile"]
    for i in range(n):
        kind = rotation[i % 4]
        nb = synthetic.fill(released, solution, ["square", "half"])
        if kind == "partial":
            synthetic.set_answer(nb, "square", "def square(x):\n    return x + x")
            synthetic.delete_cell(nb, "test_square")
        elif kind == "blank":
            nb = nbformat.from_dict(dict(released))
        elif kind == "hostile":
            name = sorted(HOSTILE)[(i // 4) % len(HOSTILE)]
            synthetic.set_answer(nb, "square", HOSTILE[name])
            kind = f"hostile:{name}"
        student = f"s{i:04d}"
        synthetic.write(nb, folder, student, TINY)
        kinds[student] = kind
    return kinds


BARE_RUN = """
import json, sys, time
import nbformat
from nbclient import NotebookClient
from traitlets.config import Config
nb = nbformat.read(sys.argv[1], as_version=4)
cfg = Config(json.loads(sys.argv[3]))
# nbclient owns the kernel, as in `jupyter execute`: it starts it with the grading sandbox's
# kernel settings (unix sockets: the sandbox has no network), runs every cell, and shuts it
# down the way grading does (cfg.Execute.shutdown_kernel)
client = NotebookClient(nb, kernel_name="dl-sandbox", timeout=60, allow_errors=True,
                        startup_timeout=60, config=cfg,
                        shutdown_kernel=cfg.Execute.get("shutdown_kernel", "graceful"),
                        resources={"metadata": {"path": sys.argv[2]}})
start = time.perf_counter()
client.execute()
print(time.perf_counter() - start)
"""


def bare_nbclient_seconds(notebook: Path, sources: Path, template: Path, tmp: Path,
                          hw: str = TINY) -> float | None:
    """nbclient running ``notebook`` top to bottom in the grading sandbox (a fresh kernel).

    The time of ``NotebookClient.execute`` alone: starting the sandboxed kernel, running
    every cell (the visible tests too, in the kernel), shutting the kernel down (not Python's
    start or nbclient's import). None (with the reason printed) when it fails.
    """
    root = submission.stage_submission(tmp / "bare", hw, "bare", notebook, template,
                                       source_dir=sources)
    cfg = sandbox.prepare(root, hw, sandbox.Limits())
    out = subprocess.run([sys.executable, "-c", BARE_RUN, str(notebook),
                          str(root / "kernel_home"), json.dumps(cfg)],
                         env=sandbox.worker_env(root), capture_output=True, text=True,
                         timeout=300)
    if out.returncode:
        lines = out.stderr.strip().splitlines() or ["no output"]
        print(f"bare nbclient in the sandbox failed: {lines[-1][:200]}", file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


def grade(folder: Path, out: Path, template: Path, sources: Path, hw: str = TINY, **kw):
    extra = Config()
    if hw == TINY:
        extra.Execute.timeout = 5  # the endless loop is cut here
    start = time.perf_counter()
    report = batch.grade_folder(folder, [hw], course_dir=out / "course",
                                out_dir=out / "grades", template_db=template,
                                gradebook=out / "course" / "gradebook.db", extra=extra,
                                source_dir=sources, progress=False, **kw)
    return report, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--students", type=int, default=12)
    p.add_argument("--homework", default=TINY,
                   help="a course homework (e.g. hw1_linear_classifiers) instead of the tiny one")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--dask", default="local", help="scheduler address, or 'local'")
    p.add_argument("--skip", nargs="*", default=[],
                   choices=["fresh", "serial", "pool", "dask"])
    args = p.parse_args(argv)
    ensure_venv_on_path()
    warnings.filterwarnings("ignore", message=".*not in session.*")  # nbgrader's own noise
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from test_grading_pipeline import _tiny_notebook

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp_name:
        tmp = Path(tmp_name)
        hw = args.homework
        if hw == TINY:
            sources = tmp / "source"
            (sources / TINY).mkdir(parents=True)
            nbformat.write(_tiny_notebook(), sources / TINY / f"{TINY}.ipynb")
        else:
            sources = SOURCE_DIR
        course_root, template = release.build_course(tmp / "course", [hw], source_dir=sources)
        kinds = make_class(tmp / "subs", sources, course_root, args.students, hw)
        # one notebook of each kind that runs to its end (not the hostile ones) has its bare
        # run measured: each submission is compared with the bare run of its kind's notebook
        examples = {k: tmp / "subs" / s / hw / f"{hw}.ipynb"
                    for s, k in reversed(kinds.items()) if k in ("honest", "partial", "blank")}
        bare: dict[str, list[float]] = {k: [] for k in examples}

        def measure_bare(times: int) -> None:
            for _ in range(times):
                for kind, notebook in examples.items():
                    seconds = bare_nbclient_seconds(notebook, sources, template, tmp, hw)
                    if seconds is not None:
                        bare[kind].append(seconds)

        fresh = functools.partial(submission.autograde_sandboxed, server=None)
        modes = [("fresh", "serial, new worker each", dict(workers=1, executor=fresh)),
                 ("serial", "serial", dict(workers=1)),
                 ("pool", f"pool x{args.workers}", dict(workers=args.workers)),
                 ("dask", f"dask {args.dask} x{args.workers}",
                  dict(workers=args.workers, dask=args.dask))]
        runs = {}
        measure_bare(3)  # the floor, measured before and after the grading runs
        for key, name, kw in modes:
            if key in args.skip:
                continue
            report, seconds = grade(tmp / "subs", tmp / key, template, sources, hw, **kw)
            runs[name] = (report, seconds)
        measure_bare(3)
        print(f"class of {args.students} {hw} submissions "
              f"({', '.join(sorted(set(k.split(':')[0] for k in kinds.values())))}); "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        floor = {k: statistics.median(v) for k, v in bare.items() if v}
        print("bare nbclient runs in the sandbox (kernel start, all cells, shutdown), median: "
              + (", ".join(f"{k} {v:.2f} s of {len(bare[k])}" for k, v in floor.items())
                 or "not measured (see stderr)"))
        scores = {name: {r.student: (r.ok, r.auto_score) for r in rep.results}
                  for name, (rep, _) in runs.items()}
        base = next(iter(runs.values()))[1]
        first = next(iter(scores.values()))
        print(f"{'mode':24s} {'wall s':>8s} {'s/submission':>13s} {'speed-up':>9s} "
              f"{'median grade s':>15s} {'/bare':>6s}  same scores")
        for name, (rep, seconds) in runs.items():
            median = statistics.median([r.seconds for r in rep.results])
            # per submission: its grading time over the bare run of its kind's notebook
            ratios = [r.seconds / floor[kinds[r.student]] for r in rep.results
                      if kinds[r.student] in floor]
            print(f"{name:24s} {seconds:8.1f} {seconds / args.students:13.2f} "
                  f"{base / seconds:9.2f} {median:15.2f} "
                  f"{(f'{statistics.median(ratios):.2f}' if ratios else 'n/a'):>6s}  "
                  f"{scores[name] == first}")
        for name, (rep, _) in runs.items():
            per = {k: [r.seconds for r in rep.results if kinds[r.student].startswith(k)]
                   for k in ("honest", "partial", "blank", "hostile")}
            print(f"{name}: median seconds by kind: " + ", ".join(
                f"{k} {statistics.median(v):.2f}" + (f" ({statistics.median(v) / floor[k]:.2f}x its bare run)"
                                           if k in floor else "")
                for k, v in per.items() if v))
        for name, (rep, seconds) in runs.items():
            if name.startswith("serial"):  # one submission at a time: the rest is the parent's
                own = (seconds - sum(r.seconds for r in rep.results)) / args.students
                print(f"{name}: the grading process's own work (tripwire, import into the real "
                      f"gradebook, clean-up, CSVs and report at the end): {own:.2f} s per "
                      "submission")
        for name, got in scores.items():
            for student in sorted(s for s in got if got[s] != first.get(s)):
                result = next(r for r in runs[name][0].results if r.student == student)
                print(f"{name}: {student} ({kinds[student]}) scored {got[student]}, the first "
                      f"run {first.get(student)}: {result.error or result.flags}")
        fastest = min(seconds for _, seconds in runs.values())
        print(f"extrapolated to 1000 submissions at the fastest rate: "
              f"{fastest / args.students * 1000 / 60:.0f} min")
        return 0 if all(s == first for s in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
