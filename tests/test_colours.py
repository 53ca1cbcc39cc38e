"""Colours: WCAG contrast computed right, and every highlight standing out on every role's fill."""

import pytest

from microgr810.pictures.colours import HIGHLIGHTS, MIN_CONTRAST, PATH_COLOUR, ROLE_COLOURS, contrast, luminance


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21.0)  # order does not matter
    assert contrast("#E69F00", "#E69F00") == pytest.approx(1.0)
    # #767676 on white is the classic darkest-grey-that-passes 4.5:1 example (4.54:1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    # pure channels: luminance coefficients 0.2126, 0.7152, 0.0722
    assert luminance("#FF0000") == pytest.approx(0.2126)
    assert luminance("#00FF00") == pytest.approx(0.7152)
    assert luminance("#0000FF") == pytest.approx(0.0722)
    assert luminance("#808080") == pytest.approx(0.2158605, abs=1e-6)  # 128 -> ((128/255 + .055)/1.055)^2.4


def test_the_old_vermillion_path_on_orange_parameters_fails_the_check():
    # what this replaces: Okabe-Ito vermillion on Okabe-Ito orange is 1.7:1, nearly invisible
    assert contrast("#D55E00", ROLE_COLOURS["parameter"]) < MIN_CONTRAST
    assert PATH_COLOUR != "#D55E00"


@pytest.mark.parametrize("highlight", sorted(HIGHLIGHTS))
@pytest.mark.parametrize("role", sorted(ROLE_COLOURS))
def test_every_highlight_contrasts_three_to_one_with_every_role(highlight, role):
    ratio = contrast(HIGHLIGHTS[highlight], ROLE_COLOURS[role])
    assert ratio >= MIN_CONTRAST, f"{highlight} {HIGHLIGHTS[highlight]} on {role} {ROLE_COLOURS[role]}: {ratio:.2f}:1"


def test_bad_colours_are_refused():
    with pytest.raises(ValueError, match="#RRGGBB, got 'orange'"):
        luminance("orange")
