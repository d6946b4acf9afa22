"""Late policy: expected values at the edges (exactly at due, within grace, cap, zero after)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tools.grading import nbg, policy
from tools.grading.paths import ensure_venv_on_path
from tools.grading.policy import LatePolicy, PolicyError

ROOT = Path(__file__).resolve().parents[1]


ensure_venv_on_path()  # nbgrader makes a new gradebook with the venv's alembic

DUE = datetime(2026, 10, 9, 23, 59, tzinfo=UTC)
#: 15-minute grace, 10 % of the maximum per started day, at most 50 %, 0 after 7 days
COURSE = LatePolicy(grace=timedelta(minutes=15), percent_per_unit=10, unit=timedelta(days=1),
                    cap_percent=50, zero_after=timedelta(days=7))


@pytest.mark.parametrize("late_by, units, penalty, final", [
    (timedelta(0), 0, 0.0, 80.0),                        # exactly at the due date
    (-timedelta(days=2), 0, 0.0, 80.0),                  # early
    (timedelta(minutes=15), 0, 0.0, 80.0),               # the last second of the grace
    (timedelta(minutes=15, seconds=1), 1, 10.0, 70.0),   # just past the grace: day 1
    (timedelta(hours=24), 1, 10.0, 70.0),                # a full day is still day 1
    (timedelta(hours=24, seconds=1), 2, 20.0, 60.0),     # day 2 starts
    (timedelta(days=4, hours=1), 5, 50.0, 30.0),         # 5 days: 50 %, the cap exactly
    (timedelta(days=6, hours=1), 7, 50.0, 30.0),         # 7 days would be 70 %: capped at 50
    (timedelta(days=7), 7, 50.0, 30.0),                  # exactly 7 days: still the cap
    (timedelta(days=7, seconds=1), 8, 80.0, 0.0),        # past zero_after: 0
])
def test_course_policy_on_a_100_point_homework(late_by, units, penalty, final):
    got = policy.apply(DUE + late_by, DUE, 80.0, 100.0, COURSE)
    assert (got.units_late, got.penalty, got.final) == (units, penalty, final)
    assert got.lateness == max(late_by, timedelta(0))


def test_penalty_is_a_share_of_the_maximum_and_never_below_zero():
    # 3 days late on a 40-point homework: 30 % of 40 = 12 points, from a raw 5 -> 0, not -7
    got = policy.apply(DUE + timedelta(days=2, hours=1), DUE, 5.0, 40.0, COURSE)
    assert got.penalty == 5.0 and got.final == 0.0
    got = policy.apply(DUE + timedelta(days=2, hours=1), DUE, 30.0, 40.0, COURSE)
    assert got.penalty == pytest.approx(12.0) and got.final == pytest.approx(18.0)


def test_hourly_unit_counts_started_hours():
    hourly = LatePolicy(percent_per_unit=2, unit=timedelta(hours=1))
    got = policy.apply(DUE + timedelta(hours=3, minutes=1), DUE, 100.0, 100.0, hourly)
    assert got.units_late == 4 and got.final == 92.0


def test_no_due_date_or_no_timestamp_is_never_late():
    assert policy.apply(None, DUE, 50, 100, COURSE).final == 50
    assert policy.apply(DUE + timedelta(days=30), None, 50, 100, COURSE).final == 50


def test_naive_times_are_utc_like_nbgrader_stores_them():
    naive = datetime(2026, 10, 10, 1, 0)  # 61 minutes after the due date, in UTC
    assert policy.apply(naive, DUE, 100, 100, COURSE).units_late == 1
    paris = policy.parse_time("2026-10-10 01:00 Europe/Paris")  # 23:00 UTC: on time
    assert policy.apply(paris, DUE, 100, 100, COURSE).final == 100


def test_bad_scores_are_refused():
    with pytest.raises(PolicyError, match=r"raw score must lie in \[0, 10"):
        policy.apply(DUE, DUE, 11, 10, COURSE)
    with pytest.raises(PolicyError, match="max_score must be > 0; got 0"):
        policy.apply(DUE, DUE, 0, 0, COURSE)


def test_the_committed_policy_file_loads_and_covers_every_homework():
    from tools.grading.paths import homework_names

    course = policy.load()
    assert set(course.due) == set(homework_names())
    assert course.late.grace == timedelta(minutes=15)
    assert course.due["hw1_linear_classifiers"] == datetime(2026, 10, 9, 23, 59,
                                                            tzinfo=UTC)


def test_missing_file_means_no_policy(tmp_path):
    course = policy.load(tmp_path / "none.toml")
    assert course.due == {} and policy.apply(DUE + timedelta(days=9), DUE, 7, 10,
                                             course.late).final == 7


@pytest.mark.parametrize("text, message", [
    ("[late_policy]\npercent_per_day = 10\n", r"unknown key\(s\) \['percent_per_day'\]"),
    ("[late_policy]\nunit = 'week'\n", r"unit must be one of \['day', 'hour'\]; got 'week'"),
    ("[late_policy]\ncap_percent = 150\n", r"cap_percent must be \[0, 100\]; got 150"),
    ("[late_policy]\ngrace_minutes = -5\n", r"grace_minutes must be >= 0; got -5"),
    ("[late_policy]\npercent_per_unit = 'ten'\n", r"percent_per_unit must be a number"),
    ("[due]\nhw1 = 'next friday'\n", r"\[due\] hw1: cannot read the date 'next friday'"),
    ("[due]\nhw1 = '2026-10-09 23:59 Mars/Olympus'\n", r"unknown time zone 'Mars/Olympus'"),
    ("[deadlines]\nhw1 = '2026-10-09'\n", r"unknown section\(s\) \['deadlines'\]"),
    ("[due\n", r"not valid TOML"),
])
def test_bad_config_names_the_key_and_what_was_expected(tmp_path, text, message):
    path = tmp_path / "course_policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        policy.load(path)


def test_timestamp_from_nbgrader_file(tmp_path):
    stamp = tmp_path / "timestamp.txt"
    stamp.write_text("2026-10-10 00:13:59.123456 UTC")  # what nbgrader submit writes
    got = policy.timestamp_from_file(stamp)
    assert got == datetime(2026, 10, 10, 0, 13, 59, 123456, tzinfo=UTC)
    assert policy.apply(got, DUE, 10, 10, COURSE).final == 10  # 14:59 late: within grace
    with pytest.raises(PolicyError, match="no timestamp file"):
        policy.timestamp_from_file(tmp_path / "missing.txt")


@pytest.mark.grading
def test_timestamp_from_gradebook(tmp_path):
    db = tmp_path / "gradebook.db"
    with nbg.gradebook(db) as gb:
        gb.add_assignment("hw1")
        gb.add_student("alice")
        gb.add_student("bob")
        gb.add_submission("hw1", "alice", timestamp=datetime(2026, 10, 11, 8, 30))
        gb.add_submission("hw1", "bob")
    assert policy.timestamp_from_gradebook(db, "hw1", "alice") == datetime(
        2026, 10, 11, 8, 30, tzinfo=UTC)
    assert policy.timestamp_from_gradebook(db, "hw1", "bob") is None
    assert policy.timestamp_from_gradebook(db, "hw1", "carol") is None


def test_describe():
    assert policy.describe(policy.apply(DUE, DUE, 5, 10, COURSE)) == "on time"
    late = policy.apply(DUE + timedelta(days=1, hours=3), DUE, 10, 10, COURSE)
    assert policy.describe(late) == "1 d 3 h late: -2 points"
    gone = policy.apply(DUE + timedelta(days=9), DUE, 10, 10, COURSE)
    assert policy.describe(gone) == "9 d 0 h late: scored 0"


def test_describe_says_how_late_under_an_hour():
    """Seconds or minutes late are not printed as "0.0 h late"."""
    hourly = policy.LatePolicy(percent_per_unit=10, unit=timedelta(hours=1))
    assert policy.describe(policy.apply(DUE + timedelta(seconds=12), DUE, 10, 10, hourly)) == \
        "12 s late: -1 points"
    assert policy.describe(policy.apply(DUE + timedelta(minutes=40), DUE, 10, 10, hourly)) == \
        "40 min late: -1 points"
    assert policy.describe(policy.apply(DUE + timedelta(hours=2, minutes=30), DUE, 10, 10,
                                        hourly)) == "2.5 h late: -3 points"
