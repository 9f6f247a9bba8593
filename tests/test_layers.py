"""coursekit's import layering, read from the source (every import statement, those inside functions
included): lesson <- tooling <- grader, the tasks between lesson and the grader, and the kernel side
(coursekit.sandbox, bound into every grading jail) importing nothing of coursekit but its root, so a
graded kernel can never need (or reach) a reference solution. The jail binds exactly the packages
that need nothing else."""

import ast
from pathlib import Path

import pytest

from coursekit.grader import jail

PACKAGE = Path(__file__).resolve().parents[1] / "coursekit"
# what each part may import of coursekit, besides the package root (`import coursekit`, which imports
# nothing until a flat name is used)
ALLOWED = {
    "errors": set(),
    "lesson": {"errors", "lesson"},
    "sandbox": {"sandbox"},
    "tooling": {"errors", "lesson", "tooling"},
    "tasks": {"errors", "lesson", "sandbox", "tasks"},
    "grader": {"errors", "lesson", "tooling", "sandbox", "tasks", "grader"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def coursekit_imports(path: Path) -> set[str]:
    """The coursekit modules `path` imports, as dotted names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base)
    return {name for name in found if name == "coursekit" or name.startswith("coursekit.")}


def _part(name: str) -> str:
    """The part of coursekit a dotted name belongs to ("" for the root package itself)."""
    return name.split(".")[1] if "." in name else ""


def _modules(part: str) -> list[Path]:
    folder = PACKAGE / part
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{part}.py"]


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_layers_below_it(part):
    wrong = {f"{path.relative_to(PACKAGE.parent)}: {name}" for path in _modules(part)
             for name in coursekit_imports(path) if _part(name) not in ALLOWED[part] | {""}}
    assert not wrong, f"coursekit.{part} may import only {sorted(ALLOWED[part])}: {sorted(wrong)}"


def test_every_part_of_coursekit_has_its_layer():
    parts = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert parts <= set(ALLOWED), f"add the new package's layer to ALLOWED: {sorted(parts - set(ALLOWED))}"


def test_the_jail_binds_kernel_code_that_needs_nothing_else():
    bound = set(jail.KERNEL_PACKAGES) | {name.removesuffix(".py") for name in jail.KERNEL_ROOT_MODULES}
    assert "tasks" not in bound and "grader" not in bound and "tooling" not in bound
    for part in jail.KERNEL_PACKAGES:
        needs = {_part(name) for path in _modules(part) for name in coursekit_imports(path)}
        assert needs <= bound | {""}, f"coursekit.{part} runs in the jail but imports {sorted(needs - bound - {''})}"


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones():
    imports = coursekit_imports(PACKAGE / "tasks" / "check.py")
    assert {"coursekit.sandbox.probe", "coursekit.tasks.registry"} <= imports
    assert "coursekit.lesson.models" in coursekit_imports(PACKAGE / "tasks" / "lesson02.py")  # inside a function
