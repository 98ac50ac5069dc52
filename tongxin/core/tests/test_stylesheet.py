"""The stylesheet sizes text in rem or em only, so a person's own font-size setting is followed."""

import re
from pathlib import Path

APP_CSS = Path(__file__).resolve().parents[1] / "static/tongxin/app.css"


def declarations(prop):
    css = re.sub(r"/\*.*?\*/", "", APP_CSS.read_text(), flags=re.S)
    return re.findall(rf"(?<![-\w]){prop}\s*:\s*([^;}}]+)", css)


def test_every_font_size_is_relative_and_at_least_14_px_at_the_default_size():
    sizes = declarations("font-size")
    assert sizes
    for size in sizes:
        value = re.fullmatch(r"\s*([\d.]+)(rem|em|%)\s*", size)
        assert value, f"font-size: {size} is not in rem, em or %"
        number, unit = float(value[1]), value[2]
        assert number * (0.01 if unit == "%" else 1) >= 0.875, f"font-size: {size} is under 14 px"


def test_the_root_sets_no_font_size_of_its_own():
    root = re.search(r":root\s*\{([^}]*)\}", APP_CSS.read_text())[1]
    assert "font-size" not in root
