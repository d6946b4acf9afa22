"""The instructor's grading pipeline behind ``python -m tools.course`` (nbgrader 0.9.6).

Modules, one concern each:

* ``paths``      where the course lives and which homework it has;
* ``nbg``        nbgrader configuration, the in-process API, wall-clock timeouts;
* ``release``    student versions of the homework and gradebook templates;
* ``submission`` grade ONE submission in a throwaway copy of the course, import its scores;
* ``server``     a warm autograde worker (``worker.py --serve``): nbgrader imported once per
  grading process, each submission graded in a process forked from it;
* ``sandbox``    the student's kernel under OS limits and, where it works, bubblewrap
  (``kernel_launcher`` is the kernelspec's command);
* ``spec``       grader specs (``assignments/graders/<hw>.py``): the trusted tests' API;
* ``preprocessors`` nbgrader steps: ``TrustedExecute`` (the grader decides each test cell),
  the legacy ``GuardedExecute``, feedback tracebacks;
* ``wire``, ``harness_kernel`` plain data between grader and kernel (the kernel's side is
  sent as source, never imported);
* ``analysis``   the student's source read by the grader (no-loop checks, imports);
* ``sanitize``   student markdown and outputs made inert before anyone renders them;
* ``lms``        LMS zips unpacked with caps and a strict student-id pattern;
* ``report``     flags for the instructor, tripwires, the grading report;
* ``batch``      a folder (or LMS zip) of submissions -> gradebook, feedback, CSV, report;
* ``validate``   solutions score full marks, released stubs score zero;
* ``kit``        the student kit.

The unit of isolation is :func:`submission.grade_submission`: a fresh directory holding the
course config, the instructor source of one homework, a copy of a gradebook that knows only
that homework, and the one submission. Nothing of other students is reachable from there,
and the real gradebook is written only by :func:`submission.import_result` afterwards (which
keeps manual grades of unchanged work). For a homework with a grader spec, no test code ever
runs in the student's kernel: see ``assignments/GRADING_SECURITY.md``, "Design".
``batch.grade_folder`` runs each student's kernel in the sandbox (see
``assignments/GRADING_SECURITY.md``).
"""
