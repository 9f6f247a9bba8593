"""The `coursekit` command: assets fetch|verify|where, notebooks refresh, grade, exercises build."""

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


def _grade(args: argparse.Namespace) -> int:
    import json

    from .grader.run import format_report, grade_notebook

    report = grade_notebook(args.notebook, cell_timeout=args.cell_timeout)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from .tooling.exercises import build

    for path in build(args.solutions, args.exercises):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
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

    grade_cmd = commands.add_parser("grade", help="run a learner's exercise notebook and score it")
    grade_cmd.add_argument("notebook", help="an exercise notebook, e.g. exercises/02_text_classification.ipynb")
    grade_cmd.add_argument("--json", action="store_true", help="print the report as JSON (for an LMS)")
    grade_cmd.add_argument("--cell-timeout", type=int, default=120,
                           help="seconds a cell may run before it is interrupted (an endless loop)")
    grade_cmd.set_defaults(run=_grade)

    ex_cmd = commands.add_parser("exercises", help="generate exercises/ from solutions/")
    ex_cmd.add_argument("action", choices=["build"])
    ex_cmd.add_argument("--solutions", default="solutions")
    ex_cmd.add_argument("--exercises", default="exercises")
    ex_cmd.set_defaults(run=_exercises)
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
