"""coursekit.sandbox: what runs inside a graded kernel, and nothing else.

startup (`python -m coursekit.sandbox`: limits, the `coursekit.check` stub, the restrictions where
asked, the tripwire, then the IPython kernel); the kernel restricting itself where no bubblewrap
jail can start: capabilities (dropping root's), landlock (files, TCP, signals), seccomp (no IP
sockets); tripwire (an audit hook that explains refusals to honest learners; not a boundary);
probe (builds the grader's inputs, calls the learner's function, returns plain data; also used by
`coursekit.check` in the learner's own notebook).

This package is bound into every jail, so it imports nothing of coursekit but the package root:
no reference solution, no hidden case, no gradebook (the import-layering test enforces it).
"""
