"""coursekit.tasks: the exercises' tasks and `coursekit.check`, the feedback in a learner's own notebook.

registry (what a task is; every lessonNN module found here registers its lesson's tasks), lesson01
... lesson06 (each task's reference solution, visible cases, hidden-case generator and known wrong
answers), vocabulary (words for generated inputs), compare (comparators with stated tolerances),
verdict (status, message and hint from what came back), safetext (text from a submission made safe
to print and store), check (`coursekit.check`: the learner's function run in the learner's own
process against the references; the course is open, so nothing here is secret from a learner).

Used by the instructor's grader (coursekit.grader) and by a learner's notebook; never present in a
graded kernel (the jail binds coursekit.lesson and coursekit.sandbox, not this package). Imports
coursekit.lesson and coursekit.sandbox.probe, never coursekit.grader or coursekit.tooling.
"""
