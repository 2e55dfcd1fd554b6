"""Loading a program from its folder of Markdown and YAML files (see modules/content/README.md).

Loading is idempotent (the same files change nothing) and safe for patients: text is updated in
place, rows are matched by slug, and anything that would lose a patient's work (an exercise with
responses, a page that was read, a module in someone's plan) is refused with a clear message.
A change of structure that cannot be made in place belongs in a new version of the program.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from modules.exercise_forms import validate_config
from modules.models import Exercise, ExerciseResponse, Module, Page, PageVisit, PlannedModule, Program
from modules.plans import program_regate

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
NUMBERED = re.compile(r"\A(\d+)-([a-z0-9][a-z0-9-]*)\Z")


class ContentError(Exception):
    """The files cannot be loaded as they are; the message says which file and why."""


@dataclass
class PageSpec:
    slug: str
    position: int
    title: str
    body: str


@dataclass
class ExerciseSpec:
    slug: str
    kind: str
    title: str
    page: str
    prompt: str
    config: dict


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: str
    summary: str
    minutes: int
    optional: bool
    pages: list[PageSpec] = field(default_factory=list)
    exercises: list[ExerciseSpec] = field(default_factory=list)


@dataclass
class ProgramSpec:
    slug: str
    version: int
    title: str
    summary: str
    language: str
    weeks: int
    wait_for_feedback: bool
    modules: list[ModuleSpec]
    content_hash: str


@dataclass
class LoadReport:
    program: Program
    created: bool
    changed: bool
    counts: dict[str, int]

    def __str__(self) -> str:
        if not self.changed:
            return f"{self.program}: no changes."
        parts = ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)
        return f"{self.program}: {'created' if self.created else 'updated'} ({parts or 'metadata only'})."


# --- Reading files --------------------------------------------------------------------------------


def _yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML ({error}).") from None


def _require(data, key: str, path: Path, kind=str):
    value = data.get(key) if isinstance(data, dict) else None
    if value is None or (kind is str and not str(value).strip()):
        raise ContentError(f"{path}: '{key}' is missing.")
    if not isinstance(value, kind):
        raise ContentError(f"{path}: '{key}' must be a {kind.__name__}.")
    return value


def read_page(path: Path, position: int, slug: str) -> PageSpec:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ContentError(f"{path}: a page starts with front matter between two '---' lines.")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: the front matter is not valid YAML ({error}).") from None
    body = match.group(2).strip()
    if not body:
        raise ContentError(f"{path}: the page has no text.")
    return PageSpec(slug=slug, position=position, title=_require(meta, "title", path), body=body)


def read_exercises(path: Path, page_slugs: set[str]) -> list[ExerciseSpec]:
    if not path.exists():
        return []
    items = _yaml(path) or []
    if not isinstance(items, list):
        raise ContentError(f"{path}: expected a list of exercises.")
    exercises, seen = [], set()
    for item in items:
        slug = _require(item, "slug", path)
        kind = _require(item, "kind", path)
        if kind not in Exercise.Kind.values:
            raise ContentError(f"{path}: exercise '{slug}' has unknown kind '{kind}'.")
        page = _require(item, "page", path)
        if page not in page_slugs:
            raise ContentError(f"{path}: exercise '{slug}' is placed on page '{page}', which does not exist.")
        if slug in seen:
            raise ContentError(f"{path}: exercise '{slug}' appears twice.")
        seen.add(slug)
        config = item.get("config") or {}
        if not isinstance(config, dict):
            raise ContentError(f"{path}: exercise '{slug}': config must be a mapping.")
        try:
            validate_config(kind, config)
        except ValueError as error:
            raise ContentError(f"{path}: exercise '{slug}': {error}") from None
        exercises.append(
            ExerciseSpec(slug, kind, _require(item, "title", path), page, str(item.get("prompt") or ""), config)
        )
    return exercises


def read_module(folder: Path) -> ModuleSpec:
    match = NUMBERED.match(folder.name)
    if not match:
        raise ContentError(f"{folder}: module folders are named NN-slug, e.g. 01-understanding-pain.")
    meta_path = folder / "module.yaml"
    if not meta_path.exists():
        raise ContentError(f"{folder}: module.yaml is missing.")
    meta = _yaml(meta_path) or {}
    pages = []
    for page_path in sorted(folder.glob("*.md")):
        page_match = NUMBERED.match(page_path.stem)
        if not page_match:
            raise ContentError(f"{page_path}: page files are named NN-slug.md.")
        pages.append(read_page(page_path, int(page_match.group(1)), page_match.group(2)))
    if not pages:
        raise ContentError(f"{folder}: a module needs at least one page.")
    minutes = meta.get("minutes", 15)
    if not isinstance(minutes, int) or not 1 <= minutes <= 120:
        raise ContentError(f"{meta_path}: 'minutes' must be a whole number from 1 to 120.")
    return ModuleSpec(
        slug=match.group(2),
        position=int(match.group(1)),
        title=_require(meta, "title", meta_path),
        summary=str(meta.get("summary") or "").strip(),
        minutes=minutes,
        optional=bool(meta.get("optional", False)),
        pages=pages,
        exercises=read_exercises(folder / "exercises.yaml", {p.slug for p in pages}),
    )


def content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _flag(meta: dict, key: str, path: Path) -> bool:
    value = meta.get(key, False)
    if not isinstance(value, bool):
        raise ContentError(f"{path}: '{key}' must be true or false.")
    return value


def read_program(folder: Path) -> ProgramSpec:
    folder = Path(folder)
    meta_path = folder / "program.yaml"
    if not meta_path.exists():
        raise ContentError(f"{folder}: program.yaml is missing.")
    meta = _yaml(meta_path) or {}
    modules = [read_module(p) for p in sorted(folder.iterdir()) if p.is_dir()]
    if not modules:
        raise ContentError(f"{folder}: the program has no modules.")
    slugs = [m.slug for m in modules]
    if len(set(slugs)) != len(slugs):
        raise ContentError(f"{folder}: two modules share a slug.")
    version = meta.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise ContentError(f"{meta_path}: 'version' must be a whole number from 1.")
    return ProgramSpec(
        slug=_require(meta, "slug", meta_path),
        version=version,
        title=_require(meta, "title", meta_path),
        summary=str(meta.get("summary") or "").strip(),
        language=str(meta.get("language") or "en"),
        weeks=int(meta.get("weeks") or sum(1 for m in modules if not m.optional)),
        wait_for_feedback=_flag(meta, "wait_for_feedback", meta_path),
        modules=modules,
        content_hash=content_hash(folder),
    )


# --- Writing rows ---------------------------------------------------------------------------------


def _update(obj, values: dict) -> bool:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)


def _remove_modules(program: Program, keep: set[str]) -> int:
    gone = program.modules.exclude(slug__in=keep)
    for module in gone:
        if PlannedModule.objects.filter(module=module).exists():
            raise ContentError(
                f"Module '{module.slug}' is in patients' plans and cannot be removed. "
                "Make a new version of the program instead."
            )
        _remove_exercises(module, keep=set())
        _remove_pages(module, keep=set())
    count = len(gone)
    gone.delete()
    return count


def _remove_pages(module: Module, keep: set[str]) -> int:
    gone = list(module.pages.exclude(slug__in=keep))
    for page in gone:
        if PageVisit.objects.filter(page=page).exists():
            raise ContentError(
                f"Page '{module.slug}/{page.slug}' has been read by patients and cannot be removed. "
                "Make a new version of the program instead."
            )
    Page.objects.filter(pk__in=[p.pk for p in gone]).delete()
    return len(gone)


def _remove_exercises(module: Module, keep: set[str]) -> int:
    gone = list(module.exercises.exclude(slug__in=keep))
    for exercise in gone:
        if ExerciseResponse.objects.filter(exercise=exercise).exists():
            raise ContentError(
                f"Exercise '{module.slug}/{exercise.slug}' has patients' responses and cannot be removed. "
                "Keep it, or make a new version of the program."
            )
    Exercise.objects.filter(pk__in=[e.pk for e in gone]).delete()
    return len(gone)


def _load_module(program: Program, spec: ModuleSpec, counts: dict) -> None:
    module, created = Module.objects.get_or_create(
        program=program,
        slug=spec.slug,
        defaults={"position": spec.position, "title": spec.title, "summary": spec.summary,
                  "minutes": spec.minutes, "optional": spec.optional},
    )  # fmt: skip
    if created:
        counts["modules added"] += 1
    elif _update(module, {"position": spec.position, "title": spec.title, "summary": spec.summary,
                          "minutes": spec.minutes, "optional": spec.optional}):  # fmt: skip
        counts["modules updated"] += 1
    pages = {}
    for page_spec in spec.pages:
        values = {"position": page_spec.position, "title": page_spec.title, "body": page_spec.body}
        page, created = Page.objects.get_or_create(module=module, slug=page_spec.slug, defaults=values)
        if created:
            counts["pages added"] += 1
        elif _update(page, values):
            counts["pages updated"] += 1
        pages[page_spec.slug] = page
    for exercise_spec in spec.exercises:
        values = {"kind": exercise_spec.kind, "title": exercise_spec.title, "page": pages[exercise_spec.page],
                  "prompt": exercise_spec.prompt, "config": exercise_spec.config}  # fmt: skip
        exercise, created = Exercise.objects.get_or_create(module=module, slug=exercise_spec.slug, defaults=values)
        if created:
            counts["exercises added"] += 1
            continue
        if exercise.kind != exercise_spec.kind and exercise.responses.exists():
            raise ContentError(
                f"Exercise '{spec.slug}/{exercise.slug}' has responses; its kind cannot change "
                f"from '{exercise.kind}' to '{exercise_spec.kind}'."
            )
        if _update(exercise, values):
            counts["exercises updated"] += 1
    counts["exercises removed"] += _remove_exercises(module, {e.slug for e in spec.exercises})
    counts["pages removed"] += _remove_pages(module, {p.slug for p in spec.pages})


@transaction.atomic
def load_program(folder: Path) -> LoadReport:
    """Create or update the program in ``folder``. All or nothing: on any error, nothing changes."""
    spec = read_program(folder)
    program, created = Program.objects.select_for_update().get_or_create(
        slug=spec.slug,
        version=spec.version,
        defaults={
            "title": spec.title,
            "summary": spec.summary,
            "language": spec.language,
            "weeks": spec.weeks,
            "wait_for_feedback": spec.wait_for_feedback,
        },  # fmt: skip
    )
    if not created and program.content_hash == spec.content_hash:
        return LoadReport(program, created=False, changed=False, counts={})
    counts = dict.fromkeys(
        ["modules added", "modules updated", "modules removed", "pages added", "pages updated", "pages removed",
         "exercises added", "exercises updated", "exercises removed"], 0,
    )  # fmt: skip
    for module_spec in spec.modules:
        _load_module(program, module_spec, counts)
    counts["modules removed"] = _remove_modules(program, {m.slug for m in spec.modules})
    regate = program.wait_for_feedback != spec.wait_for_feedback
    _update(
        program,
        {"title": spec.title, "summary": spec.summary, "language": spec.language, "weeks": spec.weeks,
         "wait_for_feedback": spec.wait_for_feedback, "content_hash": spec.content_hash},
    )  # fmt: skip
    if regate:
        program_regate(program)
    program.loaded_at = timezone.now()
    program.save(update_fields=["loaded_at"])
    return LoadReport(program, created=created, changed=True, counts=counts)
