"""Grading on Dask (issue 18 step 3): results through Dask, a killed worker survived.

A scheduler and two worker processes on loopback grade a small class of the tiny homework of
``test_grading_pipeline``; one worker is killed while it holds a task. Every submission must
be imported exactly once, with the scores and CSV rows of a serial run of the same class.
The packing of results is checked on its own (no links, no absolute paths, no ``..``).
"""

import csv
import io
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
import synthetic
from test_grading_pipeline import (  # noqa: F401 (course, sources: fixtures of those tests)
    SCENARIOS,
    TINY,
    _submission,
    course,
    sources,
)
from traitlets.config import Config

from tools.grading import batch, cluster, nbg

ROOT = Path(__file__).resolve().parents[1]


CLASS = ("correct", "warns", "wrong_deleter", "patcher")


# ---------------------------------------------------------------- packing (fast)

def test_packed_results_round_trip_and_skip_links(tmp_path):
    folder = tmp_path / "a" / "alice" / "hw"
    folder.mkdir(parents=True)
    (folder / "hw.ipynb").write_text("{}")
    (folder / "link").symlink_to("/etc/passwd")
    data = cluster.pack({"autograded": tmp_path / "a", "feedback": None})
    found = cluster.unpack(data, tmp_path / "out")
    assert found == {"autograded": tmp_path / "out" / "autograded"}
    assert (tmp_path / "out" / "autograded" / "alice" / "hw" / "hw.ipynb").read_text() == "{}"
    assert not (tmp_path / "out" / "autograded" / "alice" / "hw" / "link").exists()


def _tar(member: tarfile.TarInfo, content: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        member.size = len(content) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(content) if member.isfile() else None)
    return buffer.getvalue()


@pytest.mark.parametrize("name,kind", [("/etc/evil", tarfile.REGTYPE),
                                       ("autograded/../../evil", tarfile.REGTYPE),
                                       ("elsewhere/file", tarfile.REGTYPE),
                                       ("autograded/link", tarfile.SYMTYPE),
                                       ("autograded/hard", tarfile.LNKTYPE)])
def test_unpack_refuses_members_that_escape(tmp_path, name, kind):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = "/etc/passwd" if kind != tarfile.REGTYPE else ""
    with pytest.raises(cluster.UnsafeArchive):
        cluster.unpack(_tar(member), tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else True


# ---------------------------------------------------------------- a real cluster (slow)

def _write_class(course, sources, folder: Path) -> None:  # noqa: F811
    for student in CLASS:
        square, delete, _ = SCENARIOS[student]
        synthetic.write(_submission(course, sources, square=square, delete=delete), folder,
                      student, TINY)


def _extra() -> Config:
    extra = Config()
    extra.Execute.timeout = 20
    return extra


def _grade(folder: Path, out: Path, template, sources,  # noqa: F811
           **kw) -> batch.BatchReport:
    return batch.grade_folder(folder, [TINY], course_dir=out / "course", out_dir=out / "grades",
                              template_db=template, gradebook=out / "course" / "gradebook.db",
                              extra=_extra(), source_dir=sources, progress=False, **kw)


def _scores(report: batch.BatchReport) -> dict:
    return {r.student: (r.ok, {c.cell: c.score for c in r.cells}) for r in report.results}


def _rows(report: batch.BatchReport) -> list[dict]:
    return list(csv.DictReader(open(report.grades_csv)))


@pytest.fixture(scope="module")
def loopback_cluster(tmp_path_factory):
    """A scheduler and two single-threaded worker processes (no nanny) on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("dask")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1",
               DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(cluster.ALLOWED_FAILURES),
               PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    dask_cli = str(Path(sys.executable).parent / "dask")
    file = tmp / "scheduler.json"
    procs = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(file)], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp / "scheduler.log", "w"))]
    deadline = time.monotonic() + 60
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = [subprocess.Popen([dask_cli, "worker", "--scheduler-file", str(file),
                                 "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                 "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
                                stderr=open(tmp / f"worker-{n}.log", "w"), cwd=tmp)
               for n in range(2)]
    procs += workers
    from distributed import Client

    try:
        with Client(scheduler_file=str(file), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, str(file), workers
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def serial_and_dask(course, sources, loopback_cluster, tmp_path_factory):  # noqa: F811
    """The class graded serially, then on the cluster with one worker killed mid-task."""
    from distributed import Client

    _, template = course
    address, scheduler_file, workers = loopback_cluster
    tmp = tmp_path_factory.mktemp("dask-class")
    _write_class(course, sources, tmp / "subs")
    serial = _grade(tmp / "subs", tmp / "serial", template, sources)

    imports: list[str] = []
    real_import = batch.import_result

    def counting_import(result, gradebook, course_dir):
        imports.append(result.student)
        return real_import(result, gradebook, course_dir)

    outcome: dict = {}

    def run():
        try:
            outcome["report"] = _grade(tmp / "subs", tmp / "dask", template, sources,
                                       dask=address)
        except BaseException as exc:  # reported by the test
            outcome["error"] = exc

    batch.import_result = counting_import
    try:
        thread = threading.Thread(target=run)
        thread.start()
        killed = {}
        with Client(scheduler_file=scheduler_file, timeout=60) as client:
            pids = client.run(os.getpid)  # worker address -> pid
            deadline = time.monotonic() + 240
            while not killed and time.monotonic() < deadline and thread.is_alive():
                busy = {w: keys for w, keys in client.processing().items() if keys}
                if len(busy) == 2 and not imports:  # both hold a task, none finished yet
                    time.sleep(3)  # well into grading (a submission takes seconds)
                    victim = sorted(busy)[0]
                    killed = {"pid": pids[victim], "keys": client.processing()[victim]}
                    os.kill(pids[victim], signal.SIGKILL)
                time.sleep(0.2)
        thread.join(timeout=600)
    finally:
        batch.import_result = real_import
    assert "error" not in outcome, outcome.get("error")
    return serial, outcome["report"], imports, killed, workers


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_killed_worker_loses_no_grade_and_writes_none_twice(serial_and_dask):
    serial, report, imports, killed, workers = serial_and_dask
    assert killed, "no worker was ever seen holding a task"
    assert any(w.pid == killed["pid"] and w.poll() is not None for w in workers)
    assert killed["keys"], "the killed worker held no task"
    assert sorted(imports) == sorted(CLASS)  # each imported exactly once
    assert [r.student for r in report.results] == [r.student for r in serial.results]
    assert _scores(report) == _scores(serial)
    assert all(r.ok for r in report.results), [r.error for r in report.results]
    auto = {r.student: {c.cell: c.score for c in r.cells if c.autograded} for r in report.results}
    assert auto == {s: SCENARIOS[s][2] for s in CLASS}
    assert _rows(report) == _rows(serial)
    assert report.problems == []
    db = report.grades_csv.parents[1] / "course" / "gradebook.db"
    with nbg.gradebook(db) as gb:
        assert sorted(s.student.id for s in gb.find_assignment(TINY).submissions) == sorted(CLASS)


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_results_travel_through_dask(serial_and_dask):
    """Autograded notebooks and feedback reach the client's course from the workers' bytes."""
    _, report, *_ = serial_and_dask
    course_dir = report.grades_csv.parents[1] / "course"
    for student in CLASS:
        assert (course_dir / "autograded" / student / TINY / f"{TINY}.ipynb").is_file()
        assert (course_dir / "feedback" / student / TINY / f"{TINY}.html").is_file()
    html = (course_dir / "feedback" / "wrong_deleter" / TINY / f"{TINY}.html").read_text()
    assert "square(3): expected 9, got 6" in html and "BEGIN HIDDEN TESTS" not in html
