from django.contrib import admin

from clinics.models import AuditEvent, Clinic, Cohort, Consent, Enrollment, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "program", "start_date", "is_open"]
    list_filter = ["clinic", "is_open"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["code", "clinic", "cohort", "status", "contact_mode", "start_date"]
    list_filter = ["clinic", "status", "contact_mode"]
    readonly_fields = ["code"]
    raw_id_fields = ["patient", "therapist"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["pk", "clinic", "role", "created_at", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["clinic", "role"]
    exclude = ["token_hash"]
    raw_id_fields = ["user", "enrollment", "created_by"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "version", "given_at"]
    raw_id_fields = ["user", "enrollment"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "actor_role", "action", "clinic", "outcome", "ip"]
    list_filter = ["action", "outcome", "clinic"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
