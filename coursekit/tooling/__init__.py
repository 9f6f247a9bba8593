"""The course's own tooling, run by instructors, CI and `make`: not imported by lessons.

fetch (`coursekit assets fetch`), notebooks (`make notebooks`: re-execute and clean), exercises
(generate exercises/ from solutions/), recipes and train (`coursekit-train`, the lessons' recipes
on the command line). May use coursekit.lesson; never coursekit.grader.
"""
