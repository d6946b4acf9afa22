"""Due dates and the late policy: (submission time, due date, raw score, max) -> final score.

The instructor writes them in ``assignments/course_policy.toml`` (see that file)::

    [late_policy]
    grace_minutes = 15        # this late still counts as on time
    percent_per_unit = 10     # of the maximum, per started unit after the due date
    unit = "day"              # or "hour"
    cap_percent = 50          # never more in total ...
    zero_after_days = 7       # ... unless later than this: 0

    [due]
    hw1_linear_classifiers = "2026-10-09 23:59 UTC"

Rules (the tests state them with numbers):

* ``lateness = submitted - due``; at most ``grace`` late is on time (no penalty).
* Past the grace, the penalty counts started units **from the due date** (the grace is a
  tolerance, not a shift): 1 s to 24 h late past a 15-minute grace is one day.
* ``penalty = min(units * percent_per_unit, cap_percent) / 100 * max_score``, never more
  than the raw score (the final score is never negative).
* Later than ``zero_after_days``: the final score is 0.

Everything here is pure (no gradebook); :mod:`grading.export` reads the timestamps with
:func:`timestamp_from_gradebook` or :func:`timestamp_from_file`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import nbg
from .paths import COURSE_DIR

POLICY_FILE = COURSE_DIR / "course_policy.toml"
UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_POLICY_KEYS = {"grace_minutes", "percent_per_unit", "unit", "cap_percent", "zero_after_days"}


class PolicyError(ValueError):
    """The course policy file says something that cannot be applied."""


@dataclass(frozen=True)
class LatePolicy:
    """How lateness turns into lost points.

    Attributes
    ----------
    grace : timedelta
        Late by at most this much is on time.
    percent_per_unit : float
        Percent of the maximum score taken per started unit late.
    unit : timedelta
        One day or one hour.
    cap_percent : float
        Largest total penalty, in percent of the maximum score.
    zero_after : timedelta or None
        Later than this scores 0; None keeps the cap however late.
    """

    grace: timedelta = timedelta(0)
    percent_per_unit: float = 0.0
    unit: timedelta = UNITS["day"]
    cap_percent: float = 100.0
    zero_after: timedelta | None = None


@dataclass(frozen=True)
class CoursePolicy:
    """The late policy and each homework's due date (UTC, timezone-aware)."""

    late: LatePolicy = field(default_factory=LatePolicy)
    due: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class LateResult:
    """What the policy did to one submission.

    Attributes
    ----------
    lateness : timedelta
        ``submitted - due``, 0 when on time or when there is no due date or timestamp.
    units_late : int
        Started units past the due date that were charged (0 within the grace).
    penalty : float
        Points taken off the raw score.
    final : float
        ``raw - penalty`` (0 past ``zero_after``).
    """

    lateness: timedelta
    units_late: int
    penalty: float
    final: float

    @property
    def late(self) -> bool:
        return self.units_late > 0


def apply(submitted: datetime | None, due: datetime | None, raw: float, max_score: float,
          policy: LatePolicy) -> LateResult:
    """The late policy applied to one submission.

    Parameters
    ----------
    submitted, due : datetime or None
        Timezone-aware (or naive UTC, as nbgrader's gradebook stores them). Either one
        missing means no penalty.
    raw : float
        Score before the policy, in ``[0, max_score]``.
    max_score : float
        The homework's maximum (> 0).
    policy : LatePolicy

    Returns
    -------
    LateResult
    """
    if max_score <= 0:
        raise PolicyError(f"max_score must be > 0; got {max_score}")
    if not -1e-9 <= raw <= max_score + 1e-9:
        raise PolicyError(f"raw score must lie in [0, {max_score}]; got {raw}")
    if submitted is None or due is None:
        return LateResult(timedelta(0), 0, 0.0, raw)
    lateness = max(as_utc(submitted) - as_utc(due), timedelta(0))
    if lateness <= policy.grace:
        return LateResult(lateness, 0, 0.0, raw)
    units = math.ceil(lateness / policy.unit)
    if policy.zero_after is not None and lateness > policy.zero_after:
        return LateResult(lateness, units, raw, 0.0)
    percent = min(units * policy.percent_per_unit, policy.cap_percent)
    penalty = min(percent / 100.0 * max_score, raw)
    return LateResult(lateness, units, penalty, raw - penalty)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (nbgrader's convention)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(text: str, default_zone: str = "UTC") -> datetime:
    """Parse ``"2026-10-09 23:59 UTC"``, ``"... +02:00"`` or nbgrader's timestamp format.

    A time without a zone is read in ``default_zone``. Returns an aware UTC datetime.
    """
    import dateutil.parser
    import dateutil.tz

    if not isinstance(text, str) or not text.strip():
        raise PolicyError(f"expected a date such as '2026-10-09 23:59 UTC'; got {text!r}")
    parts = text.strip().split(" ")
    zone = None
    if len(parts) == 3 and parts[2][:1].isalpha():  # a zone name, e.g. UTC or Europe/Paris
        zone = dateutil.tz.gettz(parts[2])
        if zone is None:
            raise PolicyError(f"unknown time zone {parts[2]!r} in {text!r}")
        text = " ".join(parts[:2])
    try:
        moment = dateutil.parser.parse(text)
    except (ValueError, OverflowError) as exc:
        raise PolicyError(f"cannot read the date {text!r}: {exc}") from None
    if moment.tzinfo is None:
        zone = zone or dateutil.tz.gettz(default_zone)
        if zone is None:
            raise PolicyError(f"unknown time zone {default_zone!r}")
        moment = moment.replace(tzinfo=zone)
    return as_utc(moment)


def load(path: Path = POLICY_FILE) -> CoursePolicy:
    """Read the course policy file; a missing file means no due dates and no penalty."""
    path = Path(path)
    if not path.is_file():
        return CoursePolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    return from_dict(data, where=str(path))


def from_dict(data: dict, *, where: str = "course policy") -> CoursePolicy:
    """A :class:`CoursePolicy` from the parsed TOML (errors name the file and the key)."""
    unknown = set(data) - {"timezone", "late_policy", "due"}
    if unknown:
        raise PolicyError(f"{where}: unknown section(s) {sorted(unknown)}; expected "
                          "timezone, [late_policy], [due]")
    zone = data.get("timezone", "UTC")
    late = _late_policy(data.get("late_policy", {}), where)
    due = {}
    for hw, text in data.get("due", {}).items():
        try:
            due[hw] = parse_time(text, zone)
        except PolicyError as exc:
            raise PolicyError(f"{where}: [due] {hw}: {exc}") from None
    return CoursePolicy(late=late, due=due)


def _late_policy(section: dict, where: str) -> LatePolicy:
    unknown = set(section) - _POLICY_KEYS
    if unknown:
        raise PolicyError(f"{where}: [late_policy] has unknown key(s) {sorted(unknown)}; "
                          f"expected some of {sorted(_POLICY_KEYS)}")
    unit = section.get("unit", "day")
    if unit not in UNITS:
        raise PolicyError(f"{where}: [late_policy] unit must be one of {sorted(UNITS)}; "
                          f"got {unit!r}")
    grace = _number(section, "grace_minutes", 0.0, 0.0, None, where)
    percent = _number(section, "percent_per_unit", 0.0, 0.0, 100.0, where)
    cap = _number(section, "cap_percent", 100.0, 0.0, 100.0, where)
    zero = section.get("zero_after_days")
    if zero is not None:
        zero = timedelta(days=_number(section, "zero_after_days", 0.0, 0.0, None, where))
    return LatePolicy(grace=timedelta(minutes=grace), percent_per_unit=percent,
                      unit=UNITS[unit], cap_percent=cap, zero_after=zero)


def _number(section: dict, key: str, default: float, low: float, high: float | None,
            where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError(f"{where}: [late_policy] {key} must be a number; got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        raise PolicyError(f"{where}: [late_policy] {key} must be {bounds}; got {value!r}")
    return float(value)


def timestamp_from_file(path: Path) -> datetime:
    """The submission time nbgrader's ``submit`` wrote into ``timestamp.txt`` (aware, UTC).

    The file holds e.g. ``2026-10-09 23:59:12.345678 UTC`` (nbgrader's ``timestamp_format``).
    """
    path = Path(path)
    if not path.is_file():
        raise PolicyError(f"no timestamp file at {path}")
    return parse_time(path.read_text(encoding="utf-8").strip())


def timestamp_from_gradebook(gradebook: Path, hw: str, student: str) -> datetime | None:
    """The submission time the gradebook records for ``student``'s ``hw`` (None if unknown).

    nbgrader's autograde copies it from the submission's ``timestamp.txt``; a submission
    graded from a plain folder or an LMS zip has none.
    """
    from nbgrader.api import MissingEntry

    with nbg.gradebook(gradebook) as gb:
        try:
            stamp = gb.find_submission(hw, student).timestamp
        except MissingEntry:
            return None
    return None if stamp is None else as_utc(stamp)


def describe(result: LateResult) -> str:
    """One phrase for reports: ``on time``, ``2 d 3 h late: -10 points``, ``12 min late: ...``."""
    if not result.late:
        return "on time" if result.lateness == timedelta(0) else "on time (within the grace)"
    seconds = result.lateness.total_seconds()
    hours = seconds / 3600
    if hours >= 24:
        when = f"{int(hours // 24)} d {int(hours % 24)} h"
    elif hours >= 1:
        when = f"{hours:.1f} h"
    else:  # "0.0 h late" would read as on time
        when = f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
    if result.final == 0 and result.penalty > 0:
        return f"{when} late: scored 0"
    return f"{when} late: -{result.penalty:g} points"
