"""Form widgets shared by the apps' pages."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker (``<input type="date">``).

    Its value must be an ISO date (2026-12-10): the localised format of the page's
    language (2026/12/10 in Chinese) is not one, and the browser would show the field
    empty. The forms still accept every format of ``DATE_INPUT_FORMATS``.
    """

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")
