"""Operators edit programme text here, preview pages as patients see them, and clone a programme
to make a clinic's own version."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from clinics.models import Clinic
from modules import plans
from modules.markdown import render_markdown
from modules.models import Exercise, Module, Page, Program


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "title", "slug", "minutes", "optional", "edit"]
    readonly_fields = ["edit"]
    show_change_link = True

    @admin.display(description="Pages")
    def edit(self, obj):
        return format_html(
            '<a href="{}">Edit pages and exercises</a>', reverse("admin:modules_module_change", args=[obj.pk])
        )


class CloneForm(forms.Form):
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.all(), help_text="The clinic the new version is for.")
    title = forms.CharField(max_length=200)


@transaction.atomic
def program_clone(*, program: Program, clinic: Clinic, title: str) -> Program:
    """Copy a programme with all its modules, pages and exercises, as version 1 of a new slug."""
    slug_base = f"{program.slug}-{clinic.slug}"[:70]
    slug, n = slug_base, 1
    while Program.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{slug_base}-{n}"
    clone = Program.objects.create(
        slug=slug, version=1, title=title, summary=program.summary, language=program.language,
        weeks=program.weeks, wait_for_feedback=program.wait_for_feedback, clinic=clinic, cloned_from=program,
    )  # fmt: skip
    for module in program.modules.prefetch_related("pages", "exercises"):
        new_module = Module.objects.create(
            program=clone, slug=module.slug, position=module.position, title=module.title,
            summary=module.summary, minutes=module.minutes, optional=module.optional,
        )  # fmt: skip
        pages = {}
        for page in module.pages.all():
            pages[page.pk] = Page.objects.create(
                module=new_module, slug=page.slug, position=page.position, title=page.title, body=page.body
            )
        for exercise in module.exercises.all():
            Exercise.objects.create(
                module=new_module, page=pages[exercise.page_id], slug=exercise.slug, kind=exercise.kind,
                title=exercise.title, prompt=exercise.prompt, config=exercise.config,
            )  # fmt: skip
    return clone


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "version", "clinic", "language", "weeks", "wait_for_feedback", "loaded_at",
                    "clone_link"]  # fmt: skip
    list_filter = ["clinic", "language"]
    search_fields = ["title", "slug"]
    readonly_fields = ["content_hash", "loaded_at", "cloned_from"]
    inlines = [ModuleInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "wait_for_feedback" in form.changed_data:
            # Plans already running pick up the change now, not only when next rescheduled.
            transaction.on_commit(lambda: plans.program_regate(obj))

    @admin.display(description="Clone")
    def clone_link(self, obj):
        return format_html('<a href="{}">Clone for a clinic</a>', reverse("admin:modules_program_clone", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<int:pk>/clone/", self.admin_site.admin_view(self.clone_view), name="modules_program_clone"),
            *super().get_urls(),
        ]

    def clone_view(self, request, pk):
        program = get_object_or_404(Program, pk=pk)
        if not self.has_add_permission(request):
            return redirect("admin:modules_program_changelist")
        form = CloneForm(request.POST or None, initial={"title": program.title})
        if request.method == "POST" and form.is_valid():
            clone = program_clone(program=program, **form.cleaned_data)
            messages.success(request, f"Made “{clone.title}” ({clone.slug}) for {clone.clinic}.")
            return redirect("admin:modules_program_change", clone.pk)
        context = {**self.admin_site.each_context(request), "form": form, "program": program,
                   "title": f"Clone {program}", "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/modules/program_clone.html", context)


class PageInline(admin.StackedInline):
    model = Page
    extra = 0
    fields = ["position", "title", "slug", "body", "preview_link"]
    readonly_fields = ["preview_link"]

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if not obj.pk:
            return "Save first to preview."
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as a patient sees it</a>',
            reverse("admin:modules_page_preview", args=[obj.pk]),
        )


class ExerciseInline(admin.StackedInline):
    model = Exercise
    extra = 0
    fields = ["slug", "kind", "title", "page", "prompt", "config"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "position", "optional", "minutes"]
    list_filter = ["program", "optional"]
    inlines = [PageInline, ExerciseInline]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "module", "position"]
    list_filter = ["module__program"]
    readonly_fields = ["rendered"]
    fields = ["module", "position", "slug", "title", "body", "rendered"]

    @admin.display(description="Preview of the saved text")
    def rendered(self, obj):
        return render_markdown(obj.body) if obj.pk else "Save first to preview."

    def get_urls(self):
        return [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="modules_page_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        page = get_object_or_404(Page.objects.select_related("module"), pk=pk)
        pages = list(page.module.pages.order_by("position").values_list("pk", flat=True))
        return render(
            request,
            "modules/page_preview.html",
            {"page": page, "module": page.module, "number": pages.index(page.pk) + 1, "total": len(pages),
             "exercises": list(page.exercises.all())},
        )  # fmt: skip
