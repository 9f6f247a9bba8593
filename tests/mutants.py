"""`make mutants`: mutation testing (mutmut) of the modules that decide what is correct, one module at a time.

mutmut changes one thing at a time in a module (an operator, a constant, a comparison, a returned value) and
runs the tests that reach it (the test files in pyproject's [tool.mutmut]); a mutant no test fails is a bug
the suite would let through. Prints one line per module and group: killed / tried and the score, and the
survivors (`mutmut show NAME` prints the change). A mutant that times out counts as killed, as mutmut scores it.

A task module (coursekit/tasks/lessonNN.py) is scored in three groups, because they differ in what a survivor
means: its references and comparisons (the grader's answers and how an answer is matched to them, with the
module's functions they call) decide what is correct and are held to the floor; its known wrong answers (Misconception functions) only choose which message a wrong
answer gets; its hidden-case generators and case descriptions draw inputs at random, where most mutants draw
other valid inputs. The other two groups are reported, not held to the floor.

    python tests/mutants.py                 # every module below (about an hour on 2 cores)
    python tests/mutants.py lesson.metrics  # one module
"""

from __future__ import annotations

import ast
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# module -> the functions mutated (mutmut's mutant-name patterns); data and training: their checks and the
# per-epoch table, not the loaders or the speed measurement.
MODULES = {
    "lesson.metrics": ["*"],
    "lesson.data": ["x_check*", "x__check*", "x__tag_names*"],
    "lesson.training": ["x_check*", "x__check*", "x__label_column*", "x_mean_over_labels*",
                        "x\N{LATIN LETTER LATERAL CLICK}HistoryCallback\N{LATIN LETTER LATERAL CLICK}*"],
    "lesson.diagnose": ["*"],
    "tasks.compare": ["*"],
    "tasks.verdict": ["*"],
    **{f"tasks.lesson0{n}": ["*"] for n in range(1, 7)},
}
FLOOR = 0.90
KILLED = {"killed", "timeout"}
RESULT = re.compile(r"^\s*(\S+): (.+)$")
# x_function__mutmut_3, or a method's xǁClassǁmethod__mutmut_3
MUTANT = re.compile(r"\.x(?:_(?P<function>.+)|ǁ(?P<cls>[^ǁ]+)ǁ.+)__mutmut_\d+$")
ROOT = Path(__file__).resolve().parents[1]


def run(module: str) -> dict[str, str]:
    """Run mutmut over `module`'s functions; their results, by mutant name."""
    patterns = [f"coursekit.{module}.{pattern}" for pattern in MODULES[module]]
    subprocess.run(["mutmut", "run", "--max-children", str(os.cpu_count() or 1), *patterns],
                   stdout=subprocess.DEVNULL, check=True)
    listing = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True)
    prefixes = tuple(f"coursekit.{module}.{pattern.rstrip('*')}" for pattern in MODULES[module])
    return {name: status for name, status in (RESULT.match(line).groups() for line in listing.stdout.splitlines()
                                              if RESULT.match(line)) if name.startswith(prefixes)}


def task_groups(module: str) -> dict[str, str]:
    """For a task module: each top-level function's (and class's) group, "references", "wrong answers" or "cases"."""
    tree = ast.parse((ROOT / "coursekit" / (module.replace(".", "/") + ".py")).read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}

    def reachable(roots) -> set[str]:
        seen, todo = set(), list(roots)
        while todo:
            name = todo.pop()
            if name in functions and name not in seen:
                seen.add(name)
                todo += [node.id for node in ast.walk(functions[name]) if isinstance(node, ast.Name)]
        return seen

    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    # Task(task_id, title, function, params, builder, reference, compare, ...): what decides a case's answer
    # and whether an answer equals it
    references = reachable(argument.id for call in calls if call.func.id == "Task"
                           for argument in call.args[5:7] if isinstance(argument, ast.Name))
    wrong = reachable(node.id for call in calls if call.func.id == "Misconception" and call.args
                      for node in ast.walk(call.args[0]) if isinstance(node, ast.Name)) - references
    return {name: "references" if name in references else "wrong answers" if name in wrong else "cases"
            for name in functions}


def group_of(mutant: str, groups: dict[str, str] | None) -> str:
    """A mutant's group; "all" in a module that is not split into groups (groups None)."""
    if groups is None:
        return "all"
    found = MUTANT.search(mutant)
    return groups.get(found["function"] or found["cls"], "cases")


def main(modules: list[str]) -> int:
    unknown = set(modules) - set(MODULES)
    if unknown:
        sys.exit(f"unknown modules {sorted(unknown)}; choose from {', '.join(MODULES)}")
    totals, below = collections.Counter(), []
    for module in modules or list(MODULES):
        groups = task_groups(module) if module.startswith("tasks.lesson") else None
        by_group, started = collections.defaultdict(dict), time.monotonic()
        for name, status in run(module).items():
            by_group[group_of(name, groups)][name] = status
        print(f"{module}: {(time.monotonic() - started) / 60:.0f} min", flush=True)
        for group in sorted(by_group, key=["all", "references", "wrong answers", "cases"].index):
            results = by_group[group]
            counts = collections.Counter(results.values())
            tried = sum(counts.values()) - counts["skipped"]
            killed = sum(counts[status] for status in KILLED)
            gated = group in {"all", "references"}
            if gated:
                totals.update(tried=tried, killed=killed)
                if killed < FLOOR * tried:
                    below.append(f"{module} {group}")
            label = module if group == "all" else f"{module} {group}"
            others = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status not in KILLED)
            print(f"{label:32} {killed:4} / {tried:4} killed  {100 * killed / max(tried, 1):5.1f}%  "
                  f"({others or 'none left'}){'' if gated else '  (reported, not held to the floor)'}",
                  flush=True)
            for name, status in sorted(results.items()):
                if status not in KILLED | {"skipped"}:
                    print(f"    {status}: {name}")
    print(f"{'held to the floor, together':32} {totals['killed']:4} / {totals['tried']:4} killed  "
          f"{100 * totals['killed'] / max(totals['tried'], 1):5.1f}%")
    if below:
        print(f"below the {FLOOR:.0%} floor: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
