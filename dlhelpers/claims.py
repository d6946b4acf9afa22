"""Checks of what a lesson's experiment claims, that never crash a learner.

A lesson states a claim ("momentum 0.9 reaches the minimum in fewer steps than plain
gradient descent") and then runs an experiment. ``claim`` checks the experiment's output
against the sentence:

- in a test run (``make test``, ``make notebooks``, CI: the environment variable
  ``DLHELPERS_STRICT_CLAIMS=1``) a claim that no longer holds raises ``ClaimFailed``, so the
  notebook check fails when an edit breaks an experiment;
- for a learner who changed a setting and re-ran the cell, it prints one plain sentence (what
  the text claimed, what this run shows, and that exploring settings is the point) and the
  lesson goes on.

Check the claim itself (an ordering, a ratio, the sign of a gap against its spread), never a
number to four digits that only the committed run reproduces.
"""

from __future__ import annotations

import os

STRICT_ENV = "DLHELPERS_STRICT_CLAIMS"


class ClaimFailed(AssertionError):
    """Raised in strict (test) mode when an experiment stops showing its claim."""


def strict() -> bool:
    """True when claims must hold (tests and CI), False for a learner's own runs."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes"}


def claim(holds: bool, text: str, shown: str = "") -> bool:
    """Check one claim of the lesson's text against this run's result.

    Parameters
    ----------
    holds : bool
        Whether this run shows the claim (computed from the experiment's own output).
    text : str
        The claim as the lesson states it, e.g. "momentum needs fewer steps than SGD".
    shown : str, optional
        What this run measured, in words and numbers, e.g. "momentum 41 steps, SGD 380".

    Returns
    -------
    bool
        ``holds``. In a learner's run nothing is raised; a claim that does not hold prints
        one sentence. In strict mode (tests) a claim that does not hold raises ``ClaimFailed``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"claim text must be a non-empty sentence, got {text!r}")
    try:
        ok = bool(holds)
    except Exception as exc:  # an array of several values has no single truth
        raise ValueError(f"claim {text!r}: expected one True/False, got {type(holds).__name__} "
                         f"({exc})") from None
    if ok:
        return True
    measured = f" This run shows: {shown}." if shown else ""
    if strict():
        raise ClaimFailed(f"The lesson claims: {text}.{measured} Fix the experiment or the text.")
    print(f"Note: the text above claims {text}, but this run does not show it.{measured} "
          "That is expected when you change a setting: seeing how the result moves is the point.")
    return False
