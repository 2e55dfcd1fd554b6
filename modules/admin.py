from django.contrib import admin

from modules.models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "version", "language", "weeks"]
    search_fields = ["title", "slug"]
