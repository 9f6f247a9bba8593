"""`make mutants`: mutation testing (mutmut) of the modules that decide what is correct, one module at a time.

mutmut changes one thing at a time in a module (an operator, a constant, a comparison, a returned value) and
runs the tests that reach it (the test files in pyproject's [tool.mutmut]); a mutant no test fails is a bug
the suite would let through. Prints one line per module: killed / tried and the score, and the survivors
(`mutmut show NAME` prints the change). A mutant that times out counts as killed, as mutmut scores it.

    python tests/mutants.py                 # every module below (about two hours on 2 cores)
    python tests/mutants.py lesson.metrics  # one module
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys

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
KILLED = {"killed", "timeout"}
RESULT = re.compile(r"^\s*(\S+): (.+)$")


def run(module: str) -> dict[str, str]:
    """Run mutmut over `module`'s functions; their results, by mutant name."""
    patterns = [f"coursekit.{module}.{pattern}" for pattern in MODULES[module]]
    subprocess.run(["mutmut", "run", "--max-children", str(os.cpu_count() or 1), *patterns], stdout=subprocess.DEVNULL, check=True)
    listing = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True)
    prefixes = tuple(f"coursekit.{module}.{pattern.rstrip('*')}" for pattern in MODULES[module])
    return {name: status for name, status in (RESULT.match(line).groups() for line in listing.stdout.splitlines()
                                              if RESULT.match(line)) if name.startswith(prefixes)}


def main(modules: list[str]) -> int:
    unknown = set(modules) - set(MODULES)
    if unknown:
        sys.exit(f"unknown modules {sorted(unknown)}; choose from {', '.join(MODULES)}")
    totals = collections.Counter()
    for module in modules or list(MODULES):
        results = run(module)
        counts = collections.Counter(results.values())
        tried = sum(counts.values()) - counts["skipped"]
        killed = sum(counts[status] for status in KILLED)
        totals.update(tried=tried, killed=killed)
        others = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status not in KILLED)
        print(f"{module:18} {killed:4} / {tried:4} killed  {100 * killed / max(tried, 1):5.1f}%  ({others or 'none left'})",
              flush=True)
        for name, status in sorted(results.items()):
            if status not in KILLED | {"skipped"}:
                print(f"    {status}: {name}")
    print(f"{'all':18} {totals['killed']:4} / {totals['tried']:4} killed  "
          f"{100 * totals['killed'] / max(totals['tried'], 1):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
