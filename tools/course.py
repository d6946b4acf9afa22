"""Instructor commands for the homework (the Makefile's release, validate, grade and kit).

    python -m tools.course release                      # assignments/release/<hw>/
    python -m tools.course validate                     # solutions full marks, stubs zero
    python -m tools.course grade --submissions DIR      # DIR/<student>/<hw>/<hw>.ipynb
    python -m tools.course grade --zip lms.zip --assignment hw1_linear_classifiers
    python -m tools.course kit                          # dist/student-kit/ and .zip
    python -m tools.course export --format canvas       # artifacts/grades/canvas.csv
    python -m tools.course csv                          # refresh the CSVs, no grading

Run from the repo root, where ``tools`` is a package (the Makefile does).
Every nbgrader step runs in-process under a wall-clock limit and fails loudly: the exit code
is non-zero whenever a homework does not validate or a submission could not be graded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

from tools.grading import batch, kit, lms, paths, release, validate
from tools.grading.paths import ensure_venv_on_path


def cmd_release(args: argparse.Namespace) -> int:
    written = release.build_release(args.assignment and [args.assignment])
    for hw, path in written.items():
        print(f"released {hw} -> {path.relative_to(paths.REPO)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    checks = validate.validate_homework(args.assignment and [args.assignment])
    print(validate.table(checks))
    failed = [c.hw for c in checks if not c.ok]
    if failed:
        print(f"VALIDATION FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    hws = [args.assignment] if args.assignment else None
    with tempfile.TemporaryDirectory(prefix="dl-lms-") as tmp:
        folder = Path(args.submissions) if args.submissions else None
        rejected: list[str] = []
        if args.zip:
            if not args.assignment:
                try:
                    args.assignment = lms.infer_homework(Path(args.zip), paths.homework_names(),
                                                         regexp=args.zip_regexp)
                except lms.HomeworkUnknown as exc:
                    print(exc, file=sys.stderr)
                    return 2
                hws = [args.assignment]
                print(f"{args.zip}: homework {args.assignment} (from the notebook names)")
            try:
                unpacked = batch.collect_zip(Path(args.zip), args.assignment, Path(tmp) / "lms",
                                             regexp=args.zip_regexp)
            except lms.ArchiveRejected as exc:
                print(f"the zip was refused: {exc}", file=sys.stderr)
                return 2
            folder, rejected = unpacked.folder, unpacked.rejected
            for line in rejected:
                print(f"REJECTED from the zip: {line}", file=sys.stderr)
            folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            print(f"no such folder: {folder}", file=sys.stderr)
            return 2
        report = batch.grade_folder(folder, hws, out_dir=Path(args.out),
                                    timeout=args.timeout, rejected=rejected,
                                    workers=args.workers, dask=args.dask)
    print(report.summary())
    if not report.results:
        print("no submissions found (expected DIR/<student>/<hw>/<hw>.ipynb)", file=sys.stderr)
        return 1
    flagged = [r for r in report.results if r.flags]
    if report.failed or flagged or report.problems or rejected:
        print(f"{len(report.failed)} submission(s) failed, {len(flagged)} were flagged and the "
              f"gradebook has {len(report.problems)} problem(s): see the notes above and "
              "artifacts/grades/grading_report.md", file=sys.stderr)
        return 1
    return 0


def cmd_kit(args: argparse.Namespace) -> int:
    archive = kit.build_kit()
    leaks = kit.scan(kit.KIT_DIR)
    print(f"student kit: {kit.KIT_DIR.relative_to(paths.REPO)}/ and "
          f"{archive.relative_to(paths.REPO)}")
    for leak in leaks:
        print(f"LEAK: {leak}", file=sys.stderr)
    return 1 if leaks else 0


def cmd_export(args: argparse.Namespace) -> int:
    from tools.grading import export

    out = Path(args.out or paths.ARTIFACTS / "grades" / f"{args.format}.csv")
    try:
        rows = export.export(Path(args.gradebook), args.format, out, roster=args.roster)
    except (FileNotFoundError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{args.format}: {out} ({len({r.student for r in rows})} students, late policy of "
          f"{export.late_policy.POLICY_FILE.relative_to(paths.REPO)} applied)")
    _warn_pending(export.pending_manual(rows))
    return 0


def cmd_csv(args: argparse.Namespace) -> int:
    """Refresh grades.csv, parts.csv and final_grades.csv from the gradebook (no grading)."""
    from tools.grading import export

    gradebook, out = Path(args.gradebook), Path(args.out)
    if not gradebook.is_file():
        print(f"no gradebook at {gradebook} (grade something first)", file=sys.stderr)
        return 2
    try:
        _, hws, _ = export.collect(gradebook)
        grades, parts = batch.export_csv(gradebook, hws, out)
        rows = export.export(gradebook, "csv", out / "final_grades.csv")
    except ValueError as exc:  # e.g. a bad assignments/course_policy.toml
        print(exc, file=sys.stderr)
        return 2
    print(f"refreshed {grades}, {parts} and {out / 'final_grades.csv'} from {gradebook}")
    _warn_pending(export.pending_manual(rows))
    return 0


def cmd_markscheme(args: argparse.Namespace) -> int:
    from tools.grading import markscheme

    added = markscheme.annotate_course()
    print(f"mark scheme shown after {added} written answer(s) in assignments/autograded/ "
          "(formgrader only; feedback strips it)")
    return 0


def _warn_pending(pending: list[str]) -> None:
    if pending:
        print(f"{len(pending)} submission(s) still wait for a manual grade (exported with the "
              f"points they have): {', '.join(pending)}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.course", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, fn, helptext in (("release", cmd_release, "build assignments/release/"),
                               ("validate", cmd_validate, "check every homework"),
                               ("kit", cmd_kit, "build dist/student-kit")):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--assignment", help="only this homework")
        sp.set_defaults(func=fn)
    g = sub.add_parser("grade", help="autograde submissions, write feedback and CSVs")
    source = g.add_mutually_exclusive_group(required=True)
    source.add_argument("--submissions", help="folder laid out <student>/<hw>/<hw>.ipynb")
    source.add_argument("--zip", help="an LMS download (zip of <student>_<hw>.ipynb files)")
    g.add_argument("--zip-regexp", default=batch.DEFAULT_ZIP_REGEXP,
                   help="regexp with named groups student_id and file_id, matched against "
                        "each file name in the zip")
    g.add_argument("--assignment", help="only this homework")
    g.add_argument("--out", default=str(paths.ARTIFACTS / "grades"), help="where the CSVs go")
    g.add_argument("--workers", type=int, default=batch.default_workers(),
                   help="submissions graded at once (default: one per core)")
    g.add_argument("--dask", metavar="ADDRESS",
                   help="grade on a Dask cluster: a scheduler address (tcp://host:8786), or "
                        "'local' for an embedded LocalCluster of --workers processes")
    g.add_argument("--timeout", type=float, default=300.0,
                   help="wall-clock seconds per submission")
    g.set_defaults(func=cmd_grade)
    gradebook = str(paths.COURSE_DIR / "gradebook.db")
    e = sub.add_parser("export", help="final grades (late policy applied) for Canvas or Moodle")
    e.add_argument("--format", choices=("canvas", "moodle", "csv"), default="csv")
    e.add_argument("--out", help="file to write; default artifacts/grades/<format>.csv")
    e.add_argument("--roster", help="Canvas only: its gradebook export (ids, sections, columns)")
    e.add_argument("--gradebook", default=gradebook)
    e.set_defaults(func=cmd_export)
    c = sub.add_parser("csv", help="refresh the grade CSVs from the gradebook, no grading")
    c.add_argument("--gradebook", default=gradebook)
    c.add_argument("--out", default=str(paths.ARTIFACTS / "grades"), help="where the CSVs go")
    c.set_defaults(func=cmd_csv)
    m = sub.add_parser("markscheme", help="show the mark scheme after each written answer "
                       "of the graded notebooks (formgrader)")
    m.set_defaults(func=cmd_markscheme)
    return p


def main(argv: list[str] | None = None) -> int:
    ensure_venv_on_path()
    # nbgrader's own SQLAlchemy session warnings are noise here (grades are checked per cell)
    warnings.filterwarnings("ignore", message=".*not in session.*")
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (2, message on stderr) or --help (0)
        return exc.code
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
