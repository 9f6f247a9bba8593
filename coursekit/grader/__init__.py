"""coursekit.grader: the instructor's grader and the learners' `coursekit.check` (uses coursekit.lesson).

Trusted side (the grader's process): tasks (what a task is, the registry), lesson01 ... lesson05
(each task's reference solution, visible cases, hidden-case generator and known wrong answers),
vocabulary (words for generated inputs), compare (comparators with stated tolerances), verdict
(status, message and hint from what came back), submission (reading a notebook and telling which
exercise it is), kernel (starting and killing a graded kernel), runner (grading one notebook: cells,
limits, restarts, evaluations), gradebook (a class at once: jobs, grades CSV, JSON feedback, text).
Untrusted side (imported inside the learner's kernel): sandbox (the graded kernel: limits, audit
hook) and probe (builds the grader's inputs, calls the learner's function, returns plain data).
learner holds `coursekit.check` for the learner's own notebook.
Nothing in coursekit.lesson or coursekit.tooling imports this package.
"""
