"""The `coursekit` command: assets fetch|verify|where, notebooks refresh, grade, exercises build, course, workspace."""

from __future__ import annotations

import argparse
import sys

from .errors import CourseError


def _assets(args: argparse.Namespace) -> int:
    from .lesson import assets
    from .tooling import fetch

    if args.action == "where":
        print(assets.cache_dir())
        return 0
    if args.action == "fetch":
        fetch.fetch_all(force=args.force)
        return 0
    bad = {name: assets.problems(name) for name in assets.ASSETS}
    for name, found in bad.items():
        print(f"{name}: {'; '.join(found) if found else 'ok'}")
    if any(bad.values()):
        print(f"Fix with: {assets.FETCH_COMMAND}", file=sys.stderr)
        return 1
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from .tooling import notebooks

    for path in args.paths:
        notebooks.refresh(path, timeout=args.timeout)
    return 0


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise CourseError(f"{name} must be more than 0 seconds (got {value:g})")


def _grade_limits(args: argparse.Namespace):
    from .grader.runner import MIN_MEMORY_MB, MIN_MEMORY_MB_TRANSFORMERS, Limits

    for name in ("cell_timeout", "notebook_timeout", "call_timeout"):
        _positive(f"--{name.replace('_', '-')}", getattr(args, name))
    if args.jobs < 1:
        raise CourseError(f"--jobs must be at least 1 (got {args.jobs})")
    if args.memory_mb != 0 and args.memory_mb < MIN_MEMORY_MB:
        raise CourseError(f"--memory-mb must be 0 (no limit) or at least {MIN_MEMORY_MB}, what a grading kernel "
                          f"needs to start ({MIN_MEMORY_MB_TRANSFORMERS} for exercises 01 and 02; "
                          f"got {args.memory_mb})")
    return Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                  call_timeout=args.call_timeout, memory_mb=args.memory_mb, isolation=args.isolation)


def _writable(path) -> None:
    """A gradebook or feedback path the grader will write: not a folder, in a folder that can be made."""
    from pathlib import Path

    from .tasks.safetext import path_text

    path = Path(path)
    if path.is_dir():
        raise CourseError(f"{path_text(path)}: is a folder; --out needs a file name such as grades.csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseError(f"{path_text(path.parent)}: cannot be created ({exc.strerror or exc})") from None


def _grade(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    limits = _grade_limits(args)
    try:
        from .grader import gradebook, textreport
        import jupyter_client, nbformat, ipykernel  # noqa: F401,E401
    except ImportError as exc:
        raise CourseError(f"coursekit grade needs jupyter_client, ipykernel and nbformat ({exc.name} is missing): "
                          f"pip install jupyter_client ipykernel nbformat") from None
    from .grader import jail

    try:  # refuse before reading a single notebook
        jail.choose(args.isolation)
    except jail.IsolationError as exc:
        raise CourseError(str(exc)) from None
    items = gradebook.submissions(args.paths)
    if len(args.paths) == 1 and Path(args.paths[0]).is_file() and not args.out:
        report = gradebook.grade_file(items[0][0], items[0][1], limits, args.seed)
        if report["error"]:
            raise CourseError(report["error"])
        print(json.dumps(report, indent=2) if args.json else textreport.format_report(report))
        return 0
    feedback = None
    if args.out:
        feedback = args.feedback_dir or str(Path(args.out).with_suffix("")) + "-feedback"
        _writable(args.out)
    progress = None if args.json else (lambda report: print(textreport.format_line(report), flush=True))
    reports = gradebook.grade_many(items, limits, args.jobs, args.seed, progress)
    if args.out:  # every kernel, and whatever it left running, is gone by now
        try:
            gradebook.write_feedback(reports, feedback)
            gradebook.write_csv(reports, args.out)
        except OSError as exc:
            raise CourseError(f"{exc.filename or args.out}: cannot be written ({exc.strerror or exc})") from None
        if not args.json:
            unwritten = sum(1 for report in reports if "feedback file" in (report["error"] or ""))
            print(f"graded {len(reports)} notebooks: wrote {args.out} and {len(reports) - unwritten} feedback files "
                  f"in {feedback}" + (f" ({unwritten} could not be written: see the error column)" if unwritten
                                      else ""))
    if args.json:
        print(json.dumps(reports, indent=2))
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from .tooling.exercises import build

    for path in build(args.solutions, args.exercises):
        print(f"wrote {path}")
    return 0


def _course(args: argparse.Namespace) -> int:
    from .tooling.lab import open_course

    options = args.lab_options[1:] if args.lab_options[:1] == ["--"] else args.lab_options
    open_course(args.course, args.workspace, options)
    return 0  # not reached: JupyterLab replaces this process


def _workspace(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .tooling.workspace import WORKSPACE, sync

    report = sync(Path(args.course), Path(args.workspace or Path(args.course) / WORKSPACE))
    for line in report.lines() or ["nothing new: every lesson and exercise already has its copy"]:
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .grader import jail  # the isolation's names (it imports nothing heavy)

    parser = argparse.ArgumentParser(prog="coursekit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    assets_cmd = commands.add_parser("assets", help="fetch, verify or locate the offline assets")
    assets_cmd.add_argument("action", choices=["fetch", "verify", "where"])
    assets_cmd.add_argument("--force", action="store_true", help="fetch again even if verified")
    assets_cmd.set_defaults(run=_assets)

    nb_cmd = commands.add_parser("notebooks", help="re-execute notebooks to refresh their outputs")
    nb_cmd.add_argument("action", choices=["refresh"])
    nb_cmd.add_argument("paths", nargs="+", help="notebook files")
    nb_cmd.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    nb_cmd.set_defaults(run=_notebooks)

    grade_cmd = commands.add_parser(
        "grade", help="grade exercise notebooks (one, or a class's folder) in sandboxed kernels",
        description="Run each notebook in a fresh sandboxed kernel with time and memory limits, call its "
                    "functions on the grader's inputs (hidden ones drawn now) and score them outside the kernel.")
    grade_cmd.add_argument("paths", nargs="+", metavar="PATH", help="exercise notebooks, or folders of them")
    grade_cmd.add_argument("--out", metavar="CSV", help="write the gradebook CSV here (and JSON feedback next to it)")
    grade_cmd.add_argument("--feedback-dir", metavar="DIR",
                           help="folder for one JSON feedback file per submission (default: CSV name + -feedback)")
    grade_cmd.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time (default 1)")
    grade_cmd.add_argument("--json", action="store_true", help="print the report(s) as JSON (for an LMS)")
    grade_cmd.add_argument("--cell-timeout", type=float, default=120,
                           help="seconds a cell may run before its kernel is killed (default 120)")
    grade_cmd.add_argument("--notebook-timeout", type=float, default=900,
                           help="seconds a whole notebook may take, restarts included (default 900)")
    grade_cmd.add_argument("--call-timeout", type=float, default=10,
                           help="seconds one call of a learner's function may take (default 10)")
    grade_cmd.add_argument("--memory-mb", type=int, default=4096,
                           help="address-space limit of a graded kernel in MiB, 0 for none (default 4096)")
    grade_cmd.add_argument("--seed", type=int, help="seed of the hidden checks, for a reproducible re-grade "
                                                    "(default: a fresh secret seed)")
    grade_cmd.add_argument("--isolation", choices=jail.CHOICES, default=jail.AUTO,
                           help="the boundary around each learner's kernel: auto (default) takes a bubblewrap jail, "
                                "else Landlock, else refuses to grade; naming one refuses where it is not available")
    grade_cmd.add_argument("--no-isolation", dest="isolation", action="store_const", const="none",
                           help="the same as --isolation none: grade even where neither can start; learners' code "
                                "then runs with the grader's files and network, behind a tripwire that is not a "
                                "boundary")
    grade_cmd.set_defaults(run=_grade)

    ex_cmd = commands.add_parser("exercises", help="generate exercises/ from solutions/")
    ex_cmd.add_argument("action", choices=["build"])
    ex_cmd.add_argument("--solutions", default="solutions")
    ex_cmd.add_argument("--exercises", default="exercises")
    ex_cmd.set_defaults(run=_exercises)

    course_cmd = commands.add_parser(
        "course", help="open the course in JupyterLab, on your own copy of it (workspace/)",
        description="Copy the lessons and exercises that workspace/ lacks (never overwriting a copy), then start "
                    "JupyterLab there. Options after -- go to JupyterLab: coursekit course -- --no-browser")
    course_cmd.add_argument("lab_options", nargs=argparse.REMAINDER, help="-- and options for JupyterLab")
    ws_cmd = commands.add_parser("workspace", help="copy lessons and exercises new in the course into workspace/")
    for command in (course_cmd, ws_cmd):
        command.add_argument("--course", default=".", help="the course's folder (default: here)")
        command.add_argument("--workspace", help="your folder (default: workspace/ in the course's folder)")
    course_cmd.set_defaults(run=_course)
    ws_cmd.set_defaults(run=_workspace)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
