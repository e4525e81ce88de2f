"""Admin for campaigns and calls: members are added through the campaign service (never a DNC contact), calls
through `call_log`."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from contacts import services
from contacts.campaigns.models import Call, Campaign, CampaignMembership
from contacts.contacts.models import Contact


class CampaignMembershipInline(admin.TabularInline):
    """Read-only list of members: adding goes through the membership admin, which applies the DNC rule."""

    model = CampaignMembership
    extra = 0
    raw_id_fields = ["contact"]
    readonly_fields = ["contact", "added_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "status", "workspace", "created_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["name", "public_id"]
    readonly_fields = ["public_id", "created_at"]
    inlines = [CampaignMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "workspace"] if obj is not None else self.readonly_fields


class CampaignMembershipForm(forms.ModelForm):
    class Meta:
        model = CampaignMembership
        fields = ["campaign", "contact"]

    def clean(self):
        data = super().clean()
        campaign, contact = data.get("campaign"), data.get("contact")
        if campaign and contact:
            if contact.workspace_id != campaign.workspace_id:
                self.add_error("contact", "This contact belongs to another workspace.")
            elif contact.is_dnc:
                self.add_error("contact", f"{contact.phone} is on the Do-Not-Call list: it is never added to a "
                                          "campaign.")
        return data


@admin.register(CampaignMembership)
class CampaignMembershipAdmin(admin.ModelAdmin):
    form = CampaignMembershipForm
    list_display = ["campaign", "contact", "added_at"]
    raw_id_fields = ["contact", "campaign"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        change_made = services.campaign_add_contacts(
            campaign=obj.campaign, contacts=Contact.objects.filter(pk=obj.contact_id), actor=request.user
        )
        if change_made.skipped_dnc:
            messages.warning(request, "The contact is on the Do-Not-Call list and was not added.")
        saved = CampaignMembership.objects.filter(campaign=obj.campaign, contact_id=obj.contact_id).first()
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.campaign_remove_contacts(campaign=obj.campaign, contacts=Contact.objects.filter(pk=obj.contact_id),
                                          actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("campaign"):
            self.delete_model(request, membership)


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = ["workspace", "contact", "campaign", "direction", "status", "duration", "sentiment", "outcome",
                  "recording_url", "transcript", "ended_at"]

    def clean(self):
        data = super().clean()
        workspace, contact, campaign = data.get("workspace"), data.get("contact"), data.get("campaign")
        if workspace and contact and contact.workspace_id != workspace.pk:
            self.add_error("contact", "This contact belongs to another workspace.")
        if workspace and campaign and campaign.workspace_id != workspace.pk:
            self.add_error("campaign", "This campaign belongs to another workspace.")
        if not contact:
            self.add_error("contact", "A call is logged against a contact.")
        return data


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls are logged through `call_log` (counts, last called, a `dnc_requested` outcome lists the number)."""

    form = CallAdminForm
    list_display = ["public_id", "contact", "direction", "status", "duration", "sentiment", "outcome", "created_at"]
    list_filter = ["direction", "status", "sentiment", "workspace"]
    search_fields = ["public_id", "outcome"]
    raw_id_fields = ["contact", "campaign"]
    readonly_fields = ["public_id", "phone", "created_at"]
    list_select_related = ["contact"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # a logged call is history

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.call_log(
            workspace=data["workspace"], contact=data["contact"], campaign=data.get("campaign"),
            direction=data["direction"], status=data["status"], duration=data.get("duration") or 0,
            sentiment=data.get("sentiment") or "", outcome=data.get("outcome") or "",
            recording_url=data.get("recording_url") or "", transcript=data.get("transcript") or "",
            ended_at=data.get("ended_at"), actor=request.user,
        )
        obj.pk, obj.public_id = saved.pk, saved.public_id
