"""Form fields shared by the resident and staff matter forms."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tongxin.matters import photos as photo_rules


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; cleans to a list (empty when none were chosen).

    Size and count are checked here so a 50 MB upload is refused before it is decoded;
    whether a file really is an image is checked by photos.clean_photo in the service.
    """

    default_error_messages = {
        "too_big": _("%(name)s is larger than %(max)s."),
        "too_many": _("At most %(n)d photos."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        uploads = data if isinstance(data, (list, tuple)) else [data]
        if len(uploads) > photo_rules.max_photos():
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many_photos",
                                        params={"n": photo_rules.max_photos()})
        cleaned = [super(MultiplePhotoField, self).clean(upload, initial) for upload in uploads]
        for upload in cleaned:
            if upload.size > photo_rules.max_bytes():
                raise forms.ValidationError(
                    self.error_messages["too_big"], code="photo_too_big",
                    params={"name": upload.name, "max": filesizeformat(photo_rules.max_bytes())},
                )
        return cleaned
