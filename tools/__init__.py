"""The course's instructor tools, run from the repo root as modules.

``python -m tools.course`` (homework: release, validate, grade, kit, export),
``python -m tools.run_lessons`` (execute lessons in place) and ``python -m tools.build_site``
(the course website). :mod:`tools.grading` is the nbgrader pipeline behind ``tools.course``.
"""
