import pytest

from coursekit.lesson.highlight import highlight_answer, highlight_entities


def test_entities_are_coloured_by_type():
    shown = highlight_entities(["Ada", "Lovelace", "met", "IBM", "."], ["B-PER", "I-PER", "O", "B-ORG", "O"])
    assert repr(shown) == "[Ada Lovelace]PER met [IBM]ORG ."
    html = shown._repr_html_()
    assert "#ffd6a5" in html and "#bde0fe" in html and "Ada Lovelace" in html


def test_prediction_errors_are_outlined_against_gold():
    shown = highlight_entities(["Ada", "Lovelace", "met", "IBM"], ["B-PER", "O", "O", "B-LOC"],
                               gold=["B-PER", "I-PER", "O", "B-ORG"])
    assert repr(shown).splitlines() == ["     gold: [Ada Lovelace]PER! met [IBM]ORG!",
                                        "predicted: [Ada]PER! Lovelace met [IBM]LOC!"]
    assert shown._repr_html_().count("solid #d00") == 4


def test_html_is_escaped():
    assert "&lt;b&gt;" in highlight_entities(["<b>"], ["B-MISC"])._repr_html_()


def test_answer_spans_and_overlap():
    shown = highlight_answer("Siemens hired Werner Zwingmann.", gold=(14, 30), predicted=(21, 30))
    assert repr(shown) == "Siemens hired <gold:Werner >[[Zwingmann]]."
    assert repr(highlight_answer("abc", gold=(0, 1))) == "<gold:a>bc"


def test_bad_spans_are_rejected():
    with pytest.raises(ValueError, match="outside"):
        highlight_answer("short", gold=(2, 40))
    with pytest.raises(ValueError, match="one entry per word"):
        highlight_entities(["a", "b"], ["O"])


def test_the_predicted_span_is_marked_where_it_is_not_where_its_text_first_occurs():
    # lesson 04 passes the characters the model chose: the second "World Cup" here, not the first
    context = "After the World Cup he retired. He ended the World Cup on the wrong note."
    second = context.rindex("World Cup")
    shown = highlight_answer(context, gold=(10, 19), predicted=(second, second + len("World Cup")))
    assert repr(shown) == ("After the <gold:World Cup> he retired. He ended the "
                           "<predicted:World Cup> on the wrong note.")
