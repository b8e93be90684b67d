"""The size a fit result suggests (``made_to_order.suggest_size``), and the words of
its reasons: how a fitter in the studio reasons, one foot at a time."""

from __future__ import annotations

import pytest

from ally_web.services.made_to_order import QUESTIONS, missing_answers, suggest_size

FITS = {"toes": "snug", "heel_gap": "none", "width": "right", "toe_box": "right", "heel_slip": "none",
        "arch": "right", "comfort": "comfortable"}
EIGHT_AND_A_HALF = 17  # half sizes: US 8½


def feet(left=None, right=None) -> dict[str, dict[str, str]]:
    return {"left": {**FITS, **(left or {})}, "right": {**FITS, **(right or {})}}


def both(**answers) -> dict[str, dict[str, str]]:
    return feet(answers, answers)


def test_a_pair_that_fits_keeps_the_fitting_pairs_size():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet())
    assert (suggestion.size_halves, suggestion.width) == (17, "M")
    assert suggestion.reasons == ("Nothing you told us points away from the fitting pair's size, 8½ Medium: keep it.",)
    assert suggestion.label == "8½ Medium"


def test_heel_slipping_while_the_toes_have_room_is_half_a_size_down():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", both(heel_slip="slips", toes="room"))
    assert (suggestion.size_halves, suggestion.width) == (16, "M")
    assert suggestion.reasons == (
        "Left foot: your heel slips while your toes have room.",
        "Right foot: your heel slips while your toes have room.",
        "So half a size down, to 8.",
    )


@pytest.mark.parametrize("toes", ["snug", "pressed"])
def test_a_slipping_heel_with_no_room_for_the_toes_does_not_go_down(toes):
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", both(heel_slip="slips", toes=toes))
    assert suggestion.size_halves == (17 if toes == "snug" else 18)


def test_every_sign_of_too_big_at_once_is_still_one_half_size_down():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", both(heel_gap="large", toes="lots"))
    assert suggestion.size_halves == 16
    assert suggestion.reasons[0] == "Left foot: a finger fits behind your heel and your toes have a lot of room."


def test_toes_pressed_against_the_front_is_half_a_size_up():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet(right={"toes": "pressed"}))
    assert (suggestion.size_halves, suggestion.width) == (18, "M")
    assert suggestion.reasons == ("Right foot: your toes are pressed against the front.", "So half a size up, to 9.")
    assert suggestion.reason == "Right foot: your toes are pressed against the front. So half a size up, to 9."


@pytest.mark.parametrize(("answer", "width", "why"), [
    ({"width": "tight"}, "W", "it is tight across your foot"),
    ({"toe_box": "pinches"}, "W", "the toe box pinches"),
    ({"width": "loose"}, "N", "it is loose across your foot"),
])
def test_width_answers_move_one_width(answer, width, why):
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", both(**answer))
    assert (suggestion.size_halves, suggestion.width) == (17, width)
    assert suggestion.reasons[0] == f"Left foot: {why}."
    words = {"W": "Wide", "N": "Narrow"}[width]
    assert suggestion.reasons[-1] == f"{words} width instead of Medium."


def test_length_and_width_move_together():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "N", both(toes="pressed", width="tight"))
    assert (suggestion.size_halves, suggestion.width) == (18, "M")
    assert suggestion.reasons[-2:] == ("So half a size up, to 9.", "Medium width instead of Narrow.")


def test_mixed_feet_fit_the_larger_foot_and_say_why_the_other_stays():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet(left={"toes": "pressed"},
                                                           right={"heel_slip": "slips", "toes": "room"}))
    assert suggestion.size_halves == 18
    assert suggestion.reasons == (
        "Left foot: your toes are pressed against the front.",
        "So half a size up, to 9.",
        "Right foot: your heel slips while your toes have room; we fit the larger foot, so the size stays for it "
        "(a heel grip can help the other).",
    )


def test_one_foot_too_big_and_the_other_right_keeps_the_size():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet(left={"heel_gap": "large"}))
    assert suggestion.size_halves == 17
    assert suggestion.reasons[0].startswith("Nothing you told us points away")
    assert "Left foot: a finger fits behind your heel; we fit the larger foot" in suggestion.reasons[1]


def test_mixed_widths_take_the_wider_foot():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet(left={"width": "loose"}, right={"width": "tight"}))
    assert suggestion.width == "W"


def test_answers_pointing_past_the_sizes_we_make_say_so_instead_of_keep_it():
    top = suggest_size(24, "W", both(toes="pressed", width="tight"))  # US 12 Wide: the largest we make
    assert (top.size_halves, top.width) == (24, "W")
    assert top.reasons[2:] == (
        "We make no size above 12, so it stays; a stylist will look at your answers with you.",
        "We make no width wider than Wide, so it stays; a stylist will look at your answers with you.",
    )
    bottom = suggest_size(10, "N", both(toes="lots", width="loose"))  # US 5 Narrow: the smallest
    assert (bottom.size_halves, bottom.width) == (10, "N")
    assert "We make no size below 5" in bottom.reason and "no width narrower than Narrow" in bottom.reason
    assert "keep it" not in top.reason + bottom.reason


def test_arch_comfort_and_the_card_are_notes_that_do_not_move_the_size():
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", feet(left={"arch": "gap", "comfort": "painful"},
                                                           right={"arch": "presses"}), card_size_halves=19)
    assert (suggestion.size_halves, suggestion.width) == (17, "M")
    assert suggestion.reasons[1:] == (
        "Left foot: a gap, no support under the arch, noted for your stylist.",
        "Left foot: painful after walking; a stylist will look at your answers with you.",
        "Right foot: something presses under the arch, noted for your stylist.",
        "Your measurement card read 9½; a stylist will weigh it with your answers.",
    )
    near = suggest_size(EIGHT_AND_A_HALF, "M", feet(), card_size_halves=18)
    assert "measurement card" in near.reason  # half a size off is worth a look too
    same = suggest_size(EIGHT_AND_A_HALF, "M", feet(), card_size_halves=17)
    assert "measurement card" not in same.reason


def test_incomplete_answers_suggest_from_what_is_given_and_name_what_is_missing():
    partial = {"left": {"toes": "pressed", "heel_gap": "bogus"}}
    suggestion = suggest_size(EIGHT_AND_A_HALF, "M", partial)
    assert suggestion.size_halves == 18  # the page's live suggestion follows partial answers
    missing = missing_answers(partial)
    assert ("left", "toes") not in missing and ("left", "heel_gap") in missing  # an answer not offered is missing
    assert [key for foot, key in missing if foot == "right"] == [q.key for q in QUESTIONS]
    assert len(missing_answers({})) == 2 * len(QUESTIONS)
    assert missing_answers(feet()) == []
    nothing = suggest_size(EIGHT_AND_A_HALF, "M", {})
    assert (nothing.size_halves, nothing.width) == (17, "M") and "keep it" in nothing.reason
