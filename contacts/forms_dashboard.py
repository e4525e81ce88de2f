"""Dashboard forms: contact create/edit, reasons for DNC changes, campaigns, saved views, members."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms

from contacts.models import CampaignStatus, CampaignType, ConsentKind, ConsentSource, PhoneLabel, Role


class ContactForm(forms.Form):
    phone = forms.CharField(max_length=40, help_text="Any format; numbers without a country code use the "
                                                     "workspace's default country.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=254, required=False)
    company = forms.CharField(max_length=200, required=False)
    title = forms.CharField(max_length=200, required=False, label="Job title")
    other_numbers = forms.CharField(
        required=False, label="Other numbers", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, then a label: mobile, work, home or other (e.g. 020 7946 0018 work).",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    custom_fields = forms.CharField(
        required=False, label="Custom fields", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, as name = value.",
    )

    def __init__(self, *args, definitions: list | None = None, **kwargs):
        """`definitions`: the workspace's typed custom fields, each an input of its type (cf_KEY)."""
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions or [])
        typed = {}
        for definition in self.definitions:
            typed[f"cf_{definition.key}"] = self._typed_field(definition)
        if typed:  # the typed inputs come before the free-form custom fields
            rest = self.fields.pop("custom_fields")
            self.fields.update(typed)
            self.fields["custom_fields"] = rest
            rest.label, rest.help_text = "Other custom fields", "One per line, as name = value."

    @staticmethod
    def _typed_field(definition) -> forms.Field:
        label = definition.label
        if definition.type == "boolean":
            return forms.ChoiceField(label=label, required=False, choices=[("", "—"), ("yes", "Yes"), ("no", "No")])
        if definition.type == "choice":
            return forms.ChoiceField(label=label, required=False,
                                     choices=[("", "—"), *((c, c) for c in definition.choices or [])])
        input_type = {"number": "number", "date": "date"}.get(definition.type, "text")
        field = forms.CharField(label=label, required=False, max_length=1000)
        field.widget.input_type = input_type
        return field

    def typed_initial(self, metadata: dict) -> dict[str, str]:
        """Initial values of the typed inputs from a contact's metadata."""
        initial = {}
        for definition in self.definitions:
            value = (metadata or {}).get(definition.key)
            if value is None:
                continue
            if definition.type == "boolean" and isinstance(value, bool):
                value = "yes" if value else "no"
            initial[f"cf_{definition.key}"] = str(value)
        return initial

    def metadata(self) -> dict[str, object]:
        """The free-form lines plus the typed inputs that have a value (the service checks and converts them)."""
        data = dict(self.cleaned_data.get("custom_fields") or {})
        for definition in self.definitions:
            value = self.cleaned_data.get(f"cf_{definition.key}")
            if value not in (None, ""):
                data[definition.key] = value
            else:
                data.pop(definition.key, None)
        return data

    def clean_custom_fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data.get("custom_fields", "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(f"Line {number}: write it as name = value.")
            fields[name.strip()[:100]] = value.strip()
        return fields

    def clean_other_numbers(self) -> list[dict[str, str]]:
        """Lines of "number [label]" as the API's `phones`; the numbers are checked by the service."""
        numbers = []
        for line in self.cleaned_data.get("other_numbers", "").splitlines():
            words = line.replace(",", " ").split()
            if not words:
                continue
            label = words[-1].lower() if words[-1].lower() in PhoneLabel.values else ""
            number = " ".join(words[:-1] if label else words)
            if not number:
                raise forms.ValidationError(f"{line.strip()!r}: type the number before its label.")
            numbers.append({"number": number, "label": label or PhoneLabel.OTHER})
        return numbers

    @staticmethod
    def other_numbers_text(numbers: list) -> str:
        return "\n".join(f"{n.number} {n.label}" for n in numbers)

    @staticmethod
    def custom_fields_text(metadata: dict) -> str:
        return "\n".join(f"{k} = {v}" for k, v in (metadata or {}).items())


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                             error_messages={"required": "A reason is required."})


class ConsentForm(forms.Form):
    """Record a consent from the contact page; the consent service checks the rest (proof, dates, roles)."""

    kind = forms.ChoiceField(label="Type", choices=ConsentKind.choices, initial=ConsentKind.EXPRESS_WRITTEN,
                             help_text="Telemarketing by AI voice needs written consent; other calls need express.")
    source = forms.ChoiceField(choices=ConsentSource.choices, initial=ConsentSource.WEB_FORM)
    captured_at = forms.DateTimeField(
        label="Given at", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text="In the workspace's time zone; empty for now.")
    proof_url = forms.URLField(label="Form URL", max_length=500, required=False, assume_scheme="https")
    proof_ip = forms.GenericIPAddressField(label="IP address", required=False)
    proof_text = forms.CharField(label="Text shown", required=False, max_length=20000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    recording_id = forms.CharField(label="Recording id", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # Tabler classes, rendered field by field in the template
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field, forms.ChoiceField)
                                          else "form-control")


class RevokeConsentForm(forms.Form):
    note = forms.CharField(label="How the person asked", max_length=500, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control",
                                                         "placeholder": "e.g. replied STOP to a text"}))


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=CampaignStatus.choices, initial=CampaignStatus.DRAFT)
    type = forms.ChoiceField(choices=CampaignType.choices, initial=CampaignType.TELEMARKETING, required=False)
    subject = forms.CharField(max_length=200, required=False)

    script = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the agent says first. Variables: {{first_name}}, {{last_name}}, {{company}}, {{title}}, "
                  "{{custom.KEY}}; a fallback after a bar: {{first_name|there}}.",
    )
    max_attempts = forms.IntegerField(min_value=1, max_value=20, initial=3, required=False,
                                      label="Attempts per contact")
    retry_after_hours = forms.DecimalField(min_value=Decimal("0.05"), max_value=720, initial=4, decimal_places=2,
                                           required=False, label="Hours between attempts")

    def service_kwargs(self) -> dict:
        """The campaign service's arguments from the form's cleaned data."""
        data = dict(self.cleaned_data)
        hours = data.pop("retry_after_hours")
        if hours is not None:
            data["retry_after"] = timedelta(hours=float(hours))
        return {k: v for k, v in data.items() if v is not None}  # left empty: keep the campaign's own

    def clean_type(self) -> str | None:
        return self.cleaned_data.get("type") or None  # not sent: keep the campaign's (a new one: telemarketing)


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=100)
    query = forms.CharField(max_length=2000, required=False)


class MemberAddForm(forms.Form):
    user = forms.CharField(max_length=254, label="Username or email",
                           help_text="An existing account, or a new one created without a password.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
