"""Forms of the Do-Not-Call pages: add numbers, upload a file, give a reason."""
from __future__ import annotations

from django import forms

from contacts.compliance.dnc_files import PASTE_MAX, pasted_rows
from contacts.imports import max_upload_bytes

REASON_REQUIRED = {"required": "A reason is required."}


class DncAddForm(forms.Form):
    numbers = forms.CharField(
        label="Numbers", max_length=60_000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "(415) 555-0142\n+44 20 7946 0018, 212-555-0199"}),
        error_messages={"required": "Type at least one number."},
        help_text="One per line or separated by commas, in any format.",
    )
    reason = forms.CharField(max_length=500, error_messages=REASON_REQUIRED,
                             widget=forms.TextInput(attrs={"placeholder": "e.g. Asked not to be called again"}))

    def clean_numbers(self) -> str:
        text = self.cleaned_data["numbers"]
        count = len(pasted_rows(text))
        if not count:
            raise forms.ValidationError("Type at least one number.")
        if count > PASTE_MAX:
            raise forms.ValidationError(f"That is {count:,} numbers; paste at most {PASTE_MAX:,} here, or upload "
                                        "them as a CSV file.")
        return text


class DncUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", error_messages={"required": "Choose a CSV file of numbers."},
                           help_text="A column of numbers and, optionally, a reason for each; header optional; "
                                     "comma, semicolon or tab separated.")
    default_reason = forms.CharField(
        label="Reason for rows without one", max_length=500, required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Litigator list, March 2026"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
                                        f"{limit / 1_048_576:.0f} MB.")
        return upload


class DncDefaultReasonForm(forms.Form):
    default_reason = forms.CharField(label="Reason for rows without one", max_length=500, required=False)


class DncRemoveForm(forms.Form):
    reason = forms.CharField(max_length=500, error_messages=REASON_REQUIRED,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                           "placeholder": "e.g. Number reassigned to a new owner"}))
