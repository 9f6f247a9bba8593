"""tests/mutants.py (`make mutants`) holds a task module's references and comparisons to the floor, and
only reports its known wrong answers and hidden-case generators: the groups must come out right."""

from tests.mutants import group_of, task_groups


def test_a_task_modules_functions_fall_into_their_groups():
    groups = task_groups("tasks.lesson05")
    assert {name for name, group in groups.items() if group == "references"} == {
        "best_epoch", "overfitting_from", "is_collapsed"}
    # best_epoch is also a known wrong answer of overfitting_from: a reference stays a reference
    assert {name for name, group in groups.items() if group == "wrong answers"} == {
        "_position_plus_one", "_first_rise", "_share", "_two_classes", "_class_one"}
    assert groups["_hidden_collapse"] == groups["_counts"] == "cases"


def test_comparisons_and_the_functions_they_call_are_references():
    groups = task_groups("tasks.lesson06")
    for name in ("split_matches", "_parts", "_allowed", "_reference_split", "stratified_split", "Split"):
        assert groups[name] == "references", name
    assert groups["_known_wrong"] == "wrong answers" and groups["_hidden_split"] == "cases"


def test_mutant_names_of_functions_and_methods_find_their_group():
    groups = task_groups("tasks.lesson06")
    assert group_of("coursekit.tasks.lesson06.x__parts__mutmut_12", groups) == "references"
    assert group_of("coursekit.tasks.lesson06.x\u01c1Split\u01c1__init____mutmut_2",
                    groups) == "references"
    assert group_of("coursekit.tasks.lesson06.x__hidden_split__mutmut_1", groups) == "cases"
    assert group_of("coursekit.lesson.metrics.x_named_scores__mutmut_5", None) == "all"
