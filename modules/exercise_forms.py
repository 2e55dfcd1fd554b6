"""Exercise forms: one for each kind, built from the exercise's config (saving is modules.exercises).

The kinds, their ``config`` and the shape of the stored ``data`` are specified in
modules/content/README.md. Each kind has one form class here; ``to_data()`` gives exactly that
shape (JSON values only: dates as ISO strings), and ``form_for(..., stored=data)`` rebuilds the
form from it.

Two levels of checking. A *save* (autosave, the Save button) takes unfinished answers but refuses
values that are wrong in themselves: numbers out of range, dates that do not exist, text over
5,000 characters. A *submit* ("Submit to your therapist") also needs the answer to be complete.
A form that does not validate saves nothing at all.

Repeating parts (goal steps, thought-record feelings, practice-log days) are fixed numbered fields:
they need no JavaScript and render with the same nhsuk field templates as every other form.
"""

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from modules.models import Exercise

TEXT_MAX = 5000
GOAL_STEPS = 5
FEELINGS = 3
LOG_ENTRIES = 14
KEY = re.compile(r"\A[a-z][a-z0-9_-]{0,39}\Z")

TEXT_ERRORS = {
    "max_length": _("This is too long. Use 5,000 characters or fewer (this has %(show_value)d)."),
    "null_characters_not_allowed": _(
        "This has a hidden character that cannot be saved. Try typing it again instead of pasting it."
    ),
}


# --- Fields -----------------------------------------------------------------------------------------


def text_field(label, *, hint="", required=False, message="", rows=4, one_line=False) -> forms.CharField:
    widget = forms.TextInput() if one_line else forms.Textarea(attrs={"rows": rows})
    text = forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=TEXT_MAX,
        widget=widget,
        error_messages={"required": message, **TEXT_ERRORS},
    )
    # No maxlength attribute: the browser would cut pasted text short without a word; the message
    # above says what is wrong instead.
    text.widget.attrs.pop("maxlength", None)
    return text


def number_field(label, *, low, high, hint="", required=False, message="", unit="") -> forms.IntegerField:
    wrong = _("Enter a number of minutes from %(low)d to %(high)d.") if unit == "minutes" else None
    wrong = (wrong or _("Enter a number from %(low)d to %(high)d.")) % {"low": low, "high": high}
    return forms.IntegerField(
        label=label,
        help_text=hint,
        required=required,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3", "inputmode": "numeric"}),
        error_messages={"required": message, "invalid": wrong, "min_value": wrong, "max_value": wrong},
    )


def scale_field(label, *, hint="", required=False, message="") -> forms.TypedChoiceField:
    """A 0-10 scale: eleven radio buttons in a row (no slider: hard to set exactly on a phone)."""
    return forms.TypedChoiceField(
        label=label,
        help_text=hint,
        required=required,
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline steady-scale"}),
        error_messages={"required": message, "invalid_choice": _("Choose a number from 0 to 10.")},
    )


def date_field(label, *, hint="", required=False, message="") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": message, "invalid": _("Enter a real date, like 2026-11-30.")},
    )


# --- Forms ------------------------------------------------------------------------------------------


@dataclass
class Group:
    """Fields shown together; with a legend they are a fieldset."""

    legend: str
    fields: list = field(default_factory=list)
    hint: str = ""
    id: str = ""


class ExerciseForm(forms.Form):
    """The base of every kind's form.

    Fields are declared with ``required`` meaning "needed to submit", so labels read right (the
    field template marks the others "(optional)"); a save lifts that requirement while it validates.
    """

    intro = ""

    def __init__(self, *args, exercise: Exercise, complete: bool = False, **kwargs):
        kwargs.setdefault("prefix", exercise.slug)
        super().__init__(*args, **kwargs)
        self.exercise = exercise
        self.config = exercise.config if isinstance(exercise.config, dict) else {}
        self.complete = complete
        self.add_fields()

    def add_fields(self) -> None:
        raise NotImplementedError

    @classmethod
    def initial_from(cls, data: dict, config: dict) -> dict:
        """The form's initial values from stored data (which may be old or partly filled in)."""
        raise NotImplementedError

    def to_data(self) -> dict:
        raise NotImplementedError

    def layout(self) -> list[Group]:
        return [Group("", list(self.fields))]

    def full_clean(self):
        if self.complete:
            return super().full_clean()
        needed = [f for f in self.fields.values() if f.required]
        for f in needed:
            f.required = False
        try:
            super().full_clean()
        finally:
            for f in needed:
                f.required = True

    # What the templates use.

    @property
    def groups(self) -> list[Group]:
        return [
            Group(group.legend, [self[name] for name in group.fields], group.hint, group.id) for group in self.layout()
        ]

    def long_label(self, name: str) -> str:
        """The field's label with its group's legend ("Day 2: Date"), for messages and summaries."""
        if name not in self.fields:
            return ""
        label = str(self.fields[name].label)
        legend = next((group.legend for group in self.layout() if name in group.fields), "")
        return f"{legend}: {label}" if legend else label

    def value(self, name):
        """A field's current value: posted if bound, else its initial value, as a string."""
        value = self[name].value()
        return "" if value is None else str(value).strip()

    def cleaned(self, name):
        value = self.cleaned_data.get(name)
        return value.strip() if isinstance(value, str) else value

    def need(self, name: str, message) -> None:
        """On submit, ``name`` must have a value (for checks that span more than one field)."""
        if self.complete and self.cleaned(name) in (None, "") and name not in self.errors:
            self.add_error(name, message)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _int(value, low: int, high: int):
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


class ReflectionForm(ExerciseForm):
    def add_fields(self):
        for question in self.config.get("questions", []):
            self.fields[question["key"]] = text_field(
                question["label"],
                hint=question.get("hint", ""),
                required=True,
                message=_("Write an answer here before you send it. A few words is fine."),
                rows=5,
            )

    @classmethod
    def initial_from(cls, data, config):
        return {q["key"]: _text(data.get(q["key"])) for q in config.get("questions", [])}

    def to_data(self):
        return {key: self.cleaned(key) or "" for key in self.fields}


class GoalForm(ExerciseForm):
    def add_fields(self):
        self.fields["what"] = text_field(
            _("What do you want to do?"),
            hint=_("Something you can do, not something you want to stop. For example: walk to the park."),
            required=True,
            message=_("Write what you want to do."),
            rows=2,
        )
        self.fields["measure"] = text_field(
            _("How will you know you have done it?"),
            hint=_("For example: how often, how far or how long."),
            required=True,
            message=_("Write how you will know you have done it."),
            rows=2,
        )
        self.fields["why"] = text_field(
            _("Why does this matter to you?"), required=True, message=_("Write why this matters to you."), rows=3
        )
        self.fields["by_when"] = date_field(
            _("By when?"),
            hint=_("Pick a date in the next few weeks or months."),
            required=True,
            message=_("Enter the date you want to reach your goal by."),
        )
        for n in range(1, GOAL_STEPS + 1):
            self.fields[f"step_{n}"] = text_field(
                _("Step %(n)d") % {"n": n},
                required=n == 1,
                message=_("Write at least one small step, starting here."),
                one_line=True,
            )
        self.fields["confidence"] = scale_field(
            _("How sure are you that you can do this?"),
            hint=_("0 means not sure at all. 10 means completely sure."),
            required=True,
            message=_("Choose how sure you are, from 0 to 10."),
        )

    def layout(self):
        steps = [f"step_{n}" for n in range(1, GOAL_STEPS + 1)]
        return [
            Group("", ["what", "measure", "why", "by_when"]),
            Group(_("Small steps towards your goal"), steps, _("Up to 5 steps. Start with the easiest.")),
            Group("", ["confidence"]),
        ]

    def clean(self):
        by_when = self.cleaned_data.get("by_when")
        if self.complete and by_when and by_when < timezone.localdate():
            self.add_error("by_when", _("Choose a date from today onwards."))
        return self.cleaned_data

    @classmethod
    def initial_from(cls, data, config):
        initial = {name: _text(data.get(name)) for name in ("what", "measure", "why")}
        initial["by_when"] = _text(data.get("by_when")) or None
        for n, step in enumerate(_list(data.get("steps"))[:GOAL_STEPS], 1):
            initial[f"step_{n}"] = _text(step)
        initial["confidence"] = _int(data.get("confidence"), 0, 10)
        return initial

    def to_data(self):
        return {
            "what": self.cleaned("what"),
            "measure": self.cleaned("measure"),
            "why": self.cleaned("why"),
            "by_when": _iso(self.cleaned("by_when")),
            "steps": [s for n in range(1, GOAL_STEPS + 1) if (s := self.cleaned(f"step_{n}"))],
            "confidence": self.cleaned("confidence"),
        }


class PacingPlanForm(ExerciseForm):
    def add_fields(self):
        self.fields["activity"] = text_field(
            _("Which activity will you pace?"),
            hint=self.config.get("activity_hint") or _("For example: gardening, walking, or standing to cook."),
            required=True,
            message=_("Write the activity you will pace."),
            one_line=True,
        )
        self.fields["baseline_minutes"] = number_field(
            _("Your baseline, in minutes"),
            low=1,
            high=240,
            unit="minutes",
            hint=_("How long you can do it now, on a good day or a bad day, without a flare-up."),
            required=True,
            message=_("Enter your baseline in minutes."),
        )
        self.fields["quota_minutes"] = number_field(
            _("Your starting amount, in minutes"),
            low=1,
            high=240,
            unit="minutes",
            hint=_("A bit less than your baseline, so you stop before the pain stops you."),
            required=True,
            message=_("Enter your starting amount in minutes."),
        )
        self.fields["weekly_increase_minutes"] = number_field(
            _("Minutes to add each week"),
            low=0,
            high=60,
            unit="minutes",
            hint=_("Small steps work best, such as 1 or 2 minutes."),
            required=True,
            message=_("Enter how many minutes you will add each week. It can be 0."),
        )
        self.fields["notes"] = text_field(_("Notes"), rows=3)

    def clean(self):
        baseline = self.cleaned_data.get("baseline_minutes")
        quota = self.cleaned_data.get("quota_minutes")
        if baseline is not None and quota is not None and quota > baseline:
            self.add_error("quota_minutes", _("Your starting amount should be less than or equal to your baseline."))
        return self.cleaned_data

    NUMBERS = ("baseline_minutes", "quota_minutes", "weekly_increase_minutes")

    @classmethod
    def initial_from(cls, data, config):
        initial = {name: _text(data.get(name)) for name in ("activity", "notes")}
        initial.update({name: _int(data.get(name), 0, 240) for name in cls.NUMBERS})
        return initial

    def to_data(self):
        return {
            "activity": self.cleaned("activity"),
            "baseline_minutes": self.cleaned("baseline_minutes"),
            "quota_minutes": self.cleaned("quota_minutes"),
            "weekly_increase_minutes": self.cleaned("weekly_increase_minutes"),
            "notes": self.cleaned("notes"),
        }


class ThoughtRecordForm(ExerciseForm):
    def add_fields(self):
        self.fields["situation"] = text_field(
            _("What happened?"),
            hint=_("Where were you? Who was there? What were you doing?"),
            required=True,
            message=_("Write what happened."),
            rows=3,
        )
        self.fields["thought"] = text_field(
            _("What went through your mind?"), required=True, message=_("Write the thought you had."), rows=3
        )
        for n in range(1, FEELINGS + 1):
            self.fields[f"feeling_{n}_name"] = text_field(
                _("What was the feeling?"),
                hint=_("One word, such as worried, sad or angry.") if n == 1 else "",
                required=n == 1,
                message=_("Name at least one feeling."),
                one_line=True,
            )
            self.fields[f"feeling_{n}_rating"] = number_field(
                _("How strong was it, from 0 to 100?"),
                low=0,
                high=100,
                required=n == 1,
                message=_("Enter how strong the feeling was, from 0 to 100."),
            )
        self.fields["evidence_for"] = text_field(
            _("What makes the thought seem true?"),
            required=True,
            message=_("Write what makes the thought seem true."),
            rows=3,
        )
        self.fields["evidence_against"] = text_field(
            _("What does not fit with the thought?"),
            required=True,
            message=_("Write what does not fit with the thought."),
            rows=3,
        )
        self.fields["balanced_thought"] = text_field(
            _("A more balanced thought"),
            hint=_("What would you say to a friend who had this thought?"),
            required=True,
            message=_("Write a more balanced thought."),
            rows=3,
        )
        for n in range(1, FEELINGS + 1):
            name = self.value(f"feeling_{n}_name")
            label = _("“%(name)s” now") % {"name": name} if name else _("Feeling %(n)d now") % {"n": n}
            self.fields[f"rerating_{n}"] = number_field(
                label,
                low=0,
                high=100,
                hint=_("How strong is it now, from 0 to 100?") if n == 1 else "",
                required=n == 1,
                message=_("Enter how strong the feeling is now, from 0 to 100."),
            )

    def layout(self):
        feelings = [
            Group(
                _("Feeling %(n)d") % {"n": n},
                [f"feeling_{n}_name", f"feeling_{n}_rating"],
                _("How did you feel? Rate how strong each feeling was.") if n == 1 else "",
            )
            for n in range(1, FEELINGS + 1)
        ]
        return [
            Group("", ["situation", "thought"]),
            *feelings,
            Group("", ["evidence_for", "evidence_against", "balanced_thought"]),
            Group(
                _("Your feelings now"),
                [f"rerating_{n}" for n in range(1, FEELINGS + 1)],
                _("After finding a more balanced thought, rate each feeling again."),
            ),
        ]

    def clean(self):
        for n in range(1, FEELINGS + 1):
            name, rating = self.cleaned(f"feeling_{n}_name"), self.cleaned(f"feeling_{n}_rating")
            rerating = self.cleaned(f"rerating_{n}")
            if not name and (rating is not None or rerating is not None) and f"feeling_{n}_name" not in self.errors:
                self.add_error(f"feeling_{n}_name", _("Name the feeling you rated."))
            if name:
                self.need(f"feeling_{n}_rating", _("Enter how strong the feeling was, from 0 to 100."))
                self.need(f"rerating_{n}", _("Enter how strong the feeling is now, from 0 to 100."))
        return self.cleaned_data

    @classmethod
    def initial_from(cls, data, config):
        names = ("situation", "thought", "evidence_for", "evidence_against", "balanced_thought")
        initial = {name: _text(data.get(name)) for name in names}
        reratings = _list(data.get("rerating"))
        for n, feeling in enumerate(_list(data.get("feelings"))[:FEELINGS], 1):
            feeling = _dict(feeling)
            initial[f"feeling_{n}_name"] = _text(feeling.get("name"))
            initial[f"feeling_{n}_rating"] = _int(feeling.get("rating"), 0, 100)
            if n <= len(reratings):
                initial[f"rerating_{n}"] = _int(_dict(reratings[n - 1]).get("rating"), 0, 100)
        return initial

    def to_data(self):
        feelings, rerating = [], []
        for n in range(1, FEELINGS + 1):
            name = self.cleaned(f"feeling_{n}_name")
            if name:
                feelings.append({"name": name, "rating": self.cleaned(f"feeling_{n}_rating")})
                rerating.append({"name": name, "rating": self.cleaned(f"rerating_{n}")})
        return {
            "situation": self.cleaned("situation"),
            "thought": self.cleaned("thought"),
            "feelings": feelings,
            "evidence_for": self.cleaned("evidence_for"),
            "evidence_against": self.cleaned("evidence_against"),
            "balanced_thought": self.cleaned("balanced_thought"),
            "rerating": rerating,
        }


class PracticeLogForm(ExerciseForm):
    PARTS = ("date", "minutes", "tension_before", "tension_after")

    def add_fields(self):
        technique = self.config.get("technique") or _("the technique")
        self.intro = _("Each time you practise %(technique)s, fill in a day.") % {"technique": technique}
        for n in range(1, LOG_ENTRIES + 1):
            first = n == 1
            self.fields[f"entry_{n}_date"] = date_field(
                _("Date"), required=first, message=_("Enter the date you practised.")
            )
            self.fields[f"entry_{n}_minutes"] = number_field(
                _("How many minutes?"),
                low=1,
                high=120,
                unit="minutes",
                required=first,
                message=_("Enter how many minutes you practised."),
            )
            self.fields[f"entry_{n}_tension_before"] = scale_field(
                _("Tension before"),
                hint=_("0 means fully relaxed. 10 means as tense as you can be.") if first else "",
                required=first,
                message=_("Choose how tense you were before, from 0 to 10."),
            )
            self.fields[f"entry_{n}_tension_after"] = scale_field(
                _("Tension after"),
                required=first,
                message=_("Choose how tense you were after, from 0 to 10."),
            )

    def entries_shown(self) -> int:
        """Days with something in them, and one empty day to fill in next (at most 14)."""
        used = [n for n in range(1, LOG_ENTRIES + 1) if any(self.value(f"entry_{n}_{p}") for p in self.PARTS)]
        return min(max(used, default=0) + 1, LOG_ENTRIES)

    @property
    def can_add(self) -> bool:
        return self.entries_shown() < LOG_ENTRIES

    def layout(self):
        return [
            Group(
                _("Day %(n)d") % {"n": n},
                [f"entry_{n}_{part}" for part in self.PARTS],
                id=f"{self.exercise.slug}-day-{n}",
            )
            for n in range(1, self.entries_shown() + 1)
        ]

    def clean(self):
        today = timezone.localdate()
        for n in range(1, LOG_ENTRIES + 1):
            day = self.cleaned(f"entry_{n}_date")
            if day and day > today:
                self.add_error(f"entry_{n}_date", _("The date cannot be in the future."))
            if any(self.cleaned(f"entry_{n}_{part}") not in (None, "") for part in self.PARTS):
                self.need(f"entry_{n}_date", _("Enter the date you practised."))
                self.need(f"entry_{n}_minutes", _("Enter how many minutes you practised."))
                self.need(f"entry_{n}_tension_before", _("Choose how tense you were before, from 0 to 10."))
                self.need(f"entry_{n}_tension_after", _("Choose how tense you were after, from 0 to 10."))
        return self.cleaned_data

    @classmethod
    def initial_from(cls, data, config):
        initial = {}
        for n, entry in enumerate(_list(data.get("entries"))[:LOG_ENTRIES], 1):
            entry = _dict(entry)
            initial[f"entry_{n}_date"] = _text(entry.get("date")) or None
            initial[f"entry_{n}_minutes"] = _int(entry.get("minutes"), 1, 120)
            initial[f"entry_{n}_tension_before"] = _int(entry.get("tension_before"), 0, 10)
            initial[f"entry_{n}_tension_after"] = _int(entry.get("tension_after"), 0, 10)
        return initial

    def to_data(self):
        entries = []
        for n in range(1, LOG_ENTRIES + 1):
            values = {part: self.cleaned(f"entry_{n}_{part}") for part in self.PARTS}
            if any(value not in (None, "") for value in values.values()):
                values["date"] = _iso(values["date"])
                entries.append(values)
        return {"entries": entries}


class ChecklistForm(ExerciseForm):
    def add_fields(self):
        self.fields["checked"] = forms.MultipleChoiceField(
            label=_("Tick all that apply"),
            required=True,
            choices=[(item["key"], item["label"]) for item in self.config.get("items", [])],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": _("Tick at least one."),
                "invalid_choice": _("Choose only from the list."),
                "invalid_list": _("Choose only from the list."),
            },
        )

    @classmethod
    def initial_from(cls, data, config):
        return {"checked": [key for key in _list(data.get("checked")) if isinstance(key, str)]}

    def to_data(self):
        checked = set(self.cleaned_data.get("checked") or [])
        return {"checked": [key for key, _label in self.fields["checked"].choices if key in checked]}


class RatingsForm(ExerciseForm):
    def add_fields(self):
        for item in self.config.get("items", []):
            self.fields[item["key"]] = scale_field(
                item["label"],
                hint=_("0 means %(low)s. 10 means %(high)s.") % {"low": item["low"], "high": item["high"]},
                required=True,
                message=_("Choose a number from 0 to 10."),
            )

    @classmethod
    def initial_from(cls, data, config):
        return {item["key"]: _int(data.get(item["key"]), 0, 10) for item in config.get("items", [])}

    def to_data(self):
        return {key: value for key in self.fields if (value := self.cleaned(key)) is not None}


FORMS: dict[str, type[ExerciseForm]] = {
    Exercise.Kind.REFLECTION: ReflectionForm,
    Exercise.Kind.GOAL: GoalForm,
    Exercise.Kind.PACING_PLAN: PacingPlanForm,
    Exercise.Kind.THOUGHT_RECORD: ThoughtRecordForm,
    Exercise.Kind.PRACTICE_LOG: PracticeLogForm,
    Exercise.Kind.CHECKLIST: ChecklistForm,
    Exercise.Kind.RATINGS: RatingsForm,
}


def form_for(exercise: Exercise, data=None, stored: dict | None = None, *, complete: bool = False) -> ExerciseForm:
    """The exercise's form: bound to posted ``data``, else showing the ``stored`` answer."""
    form_class = FORMS[exercise.kind]
    config = exercise.config if isinstance(exercise.config, dict) else {}
    initial = form_class.initial_from(_dict(stored), config)
    return form_class(data=data, initial=initial, exercise=exercise, complete=complete)


def summary_rows(exercise: Exercise, data: dict) -> list[tuple[str, str]]:
    """The answer in ``data`` as (question, answer) rows, to show two versions side by side."""
    form = form_for(exercise, stored=data)
    rows = []
    for group in form.layout():
        for name in group.fields:
            text = _display(form.fields[name], form.initial.get(name))
            if text:
                rows.append((form.long_label(name), text))
    return rows


def _display(form_field, value) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(form_field, forms.MultipleChoiceField):
        labels = dict(form_field.choices)
        return ", ".join(str(labels.get(key, key)) for key in value)
    if isinstance(form_field, forms.DateField):
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "j F Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# --- Checking a program's config --------------------------------------------------------------------


def _items(config: dict, name: str, low: int, high: int, keys: tuple[str, ...], optional=()) -> None:
    items = config.get(name)
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise ValueError(f"'{name}' must be a list of {low} to {high} items.")
    seen = set()
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"'{name}' item {index} must be a mapping with {', '.join(keys)}.")
        unknown = set(item) - set(keys) - set(optional)
        if unknown:
            raise ValueError(f"'{name}' item {index} has unknown setting(s): {', '.join(sorted(unknown))}.")
        for key in keys:
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ValueError(f"'{name}' item {index} needs '{key}' (text).")
        for key in optional:
            if key in item and not isinstance(item[key], str):
                raise ValueError(f"'{name}' item {index}: '{key}' must be text.")
        if not KEY.match(item["key"]):
            raise ValueError(
                f"'{name}' item {index}: key '{item['key']}' must be lower-case letters, digits, - and _ "
                "(starting with a letter, at most 40)."
            )
        if item["key"] in seen:
            raise ValueError(f"'{name}': key '{item['key']}' appears twice.")
        seen.add(item["key"])


def validate_config(kind: str, config) -> None:
    """Check an exercise's ``config`` from a program's YAML; ``ValueError`` says what is wrong."""
    if kind not in FORMS:
        raise ValueError(f"Unknown exercise kind '{kind}'. Use one of: {', '.join(FORMS)}.")
    if not isinstance(config, dict):
        raise ValueError(f"{kind}: config must be a mapping.")
    allowed = {
        "reflection": {"questions"},
        "pacing_plan": {"activity_hint"},
        "practice_log": {"technique"},
        "checklist": {"items"},
        "ratings": {"items"},
    }.get(kind, set())
    unknown = set(config) - allowed
    if unknown:
        raise ValueError(f"{kind}: unknown setting(s) in config: {', '.join(sorted(unknown))}.")
    try:
        if kind == "reflection":
            _items(config, "questions", 1, 3, ("key", "label"), optional=("hint",))
        elif kind == "checklist":
            _items(config, "items", 2, 12, ("key", "label"))
        elif kind == "ratings":
            _items(config, "items", 1, 8, ("key", "label", "low", "high"))
        elif kind == "pacing_plan" and "activity_hint" in config:
            if not isinstance(config["activity_hint"], str):
                raise ValueError("'activity_hint' must be text.")
        elif kind == "practice_log":
            technique = config.get("technique")
            if not isinstance(technique, str) or not technique.strip() or len(technique) > 80:
                raise ValueError("'technique' must be a short name (at most 80 characters) of what is practised.")
    except ValueError as error:
        raise ValueError(f"{kind}: {error}") from None
