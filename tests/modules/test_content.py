"""load_program: idempotent, versioned, and it never loses a patient's work."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from modules.content import ContentError, load_program
from modules.markdown import render_markdown
from modules.models import Exercise, ExerciseResponse, Module, Page, Program
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "demo-program"
    write(root / "program.yaml", "slug: demo\nversion: 1\ntitle: Demo programme\nweeks: 2\n")
    write(root / "01-first/module.yaml", "title: First steps\nsummary: Start here.\nminutes: 12\n")
    write(root / "01-first/01-hello.md", "---\ntitle: Hello\n---\nWelcome to **week one**.\n")
    write(root / "01-first/02-try.md", "---\ntitle: Try it\n---\nHave a go.\n")
    write(
        root / "01-first/exercises.yaml",
        """
        - slug: story
          kind: reflection
          title: Your story
          page: try
          prompt: Tell us.
          config:
            questions:
              - {key: day, label: "How is your day?"}
        """,
    )
    write(root / "02-second/module.yaml", "title: Second steps\n")
    write(root / "02-second/01-more.md", "---\ntitle: More\n---\nMore words.\n")
    write(root / "10-extra/module.yaml", "title: Extra\noptional: true\n")
    write(root / "10-extra/01-extra.md", "---\ntitle: Extra page\n---\nExtra words.\n")
    return root


def test_it_loads_a_program(folder):
    report = load_program(folder)
    assert report.created and report.changed
    program = Program.objects.get(slug="demo", version=1)
    assert list(program.modules.values_list("slug", "position", "optional")) == [
        ("first", 1, False), ("second", 2, False), ("extra", 10, True),
    ]  # fmt: skip
    first = program.modules.get(slug="first")
    assert first.minutes == 12
    assert list(first.pages.values_list("slug", "title")) == [("hello", "Hello"), ("try", "Try it")]
    exercise = first.exercises.get()
    assert (exercise.kind, exercise.page.slug) == ("reflection", "try")


def test_loading_the_same_files_again_changes_nothing(folder):
    load_program(folder)
    before = list(Page.objects.values_list("pk", "body"))
    report = load_program(folder)
    assert report.changed is False
    assert "no changes" in str(report)
    assert list(Page.objects.values_list("pk", "body")) == before


def test_changed_text_updates_pages_in_place_and_keeps_responses(folder):
    load_program(folder)
    exercise = Exercise.objects.get(slug="story")
    enrollment = EnrollmentFactory()
    response = ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, data={"day": "ok"}, version=1)
    page_pk = Page.objects.get(slug="hello").pk
    write(folder / "01-first/01-hello.md", "---\ntitle: Hello again\n---\nNew words.\n")
    report = load_program(folder)
    assert report.counts["pages updated"] == 1
    page = Page.objects.get(pk=page_pk)
    assert (page.title, page.body) == ("Hello again", "New words.")
    response.refresh_from_db()
    assert response.data == {"day": "ok"} and response.exercise_id == exercise.pk


def test_removing_an_exercise_with_responses_is_refused_and_changes_nothing(folder):
    load_program(folder)
    exercise = Exercise.objects.get(slug="story")
    ExerciseResponse.objects.create(enrollment=EnrollmentFactory(), exercise=exercise, data={}, version=1)
    (folder / "01-first/exercises.yaml").write_text("[]\n")
    write(folder / "01-first/01-hello.md", "---\ntitle: Changed too\n---\nChanged.\n")
    with pytest.raises(ContentError, match="has patients' responses"):
        load_program(folder)
    assert Exercise.objects.filter(slug="story").exists()
    assert Page.objects.get(slug="hello").title == "Hello"  # all or nothing


def test_removing_an_unused_exercise_is_fine(folder):
    load_program(folder)
    (folder / "01-first/exercises.yaml").write_text("[]\n")
    assert load_program(folder).counts["exercises removed"] == 1
    assert not Exercise.objects.exists()


def test_a_new_version_is_a_new_program(folder):
    load_program(folder)
    write(folder / "program.yaml", "slug: demo\nversion: 2\ntitle: Demo programme\nweeks: 2\n")
    load_program(folder)
    assert Program.objects.filter(slug="demo").count() == 2
    assert Module.objects.count() == 6


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        ("01-first/exercises.yaml", "- {slug: x, kind: dance, title: X, page: try}\n", "unknown kind"),
        ("01-first/exercises.yaml", "- {slug: x, kind: reflection, title: X, page: nowhere}\n", "does not exist"),
        ("01-first/01-hello.md", "No front matter here.\n", "front matter"),
        (
            "01-first/exercises.yaml",
            "- {slug: x, kind: checklist, title: X, page: try, config: {items: []}}\n",
            "items",
        ),
        ("01-first/module.yaml", "summary: no title\n", "'title' is missing"),
        ("program.yaml", "slug: demo\ntitle: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(folder, path, text, message):
    (folder / path).write_text(text)
    with pytest.raises(ContentError, match=message):
        load_program(folder)
    assert not Program.objects.exists()


def test_the_command_says_what_it_did_and_refuses_cleanly(folder, capsys):
    call_command("load_program", str(folder))
    assert "created" in capsys.readouterr().out
    (folder / "01-first/01-hello.md").write_text("broken")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_program", str(folder))


def test_markdown_is_sanitised():
    html = render_markdown(
        "Hi <script>alert(1)</script> **bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ' <a href="https://example.org" onclick="x()">ok</a>'
    )
    assert "<script" not in html and "onerror" not in html and "onclick" not in html and "<img" not in html
    assert "javascript:" not in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html


def test_the_shipped_program_is_complete():
    report = load_program(SHIPPED)
    program = report.program
    modules = program.modules.annotate(
        pages_n=Count("pages", distinct=True), exercises_n=Count("exercises", distinct=True)
    )
    core = [m for m in modules if not m.optional]
    optional = [m for m in modules if m.optional]
    assert len(core) == 9
    assert len(optional) >= 3
    for module in modules:
        assert 3 <= module.pages_n <= 7, module.slug
        assert 1 <= module.exercises_n <= 3, module.slug
        assert 10 <= module.minutes <= 20, module.slug
    kinds = set(Exercise.objects.filter(module__program=program).values_list("kind", flat=True))
    assert kinds == set(Exercise.Kind.values)
    assert load_program(SHIPPED).changed is False
