"""coursekit.grader: the instructor's grader (`coursekit grade`), the trusted side.

submission (reading a notebook and telling which exercise it is), jail (the isolation around each
kernel: a bubblewrap jail, else Landlock, else a refusal; one policy for both), kernel (starting,
talking to and killing one graded kernel), reaper (processes a kernel left behind, where no PID
namespace holds them), runner (one notebook, start to end: cells, limits, restarts, evaluations),
gradebook (a class at once: jobs, grades CSV, JSON feedback), textreport (the reports as text).

The tasks and their references come from coursekit.tasks; what runs inside a kernel is
coursekit.sandbox, started by name (`python -m coursekit.sandbox`). Nothing in coursekit.lesson,
coursekit.tooling, coursekit.tasks or coursekit.sandbox imports this package.
"""
