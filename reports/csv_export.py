"""The clinic report as one CSV file: each section a block of rows (section, metric, value, n).

``value`` is the figure (a count, a percentage without the sign, minutes, money, days) or "<5" where
small-cell suppression hides it; ``n`` is the number of patients (or requests) it is based on, also
"<5" when that is small. Every cell that is not a plain number is neutralised against formula
injection (OWASP "CSV Injection"): one starting with = + - @, a tab or a carriage return gets a
leading single quote, so a spreadsheet shows it as text instead of running it.
"""

import csv
import io
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from clinics.models import ContactMode
from reports.cells import Cell
from reports.clinic_report import ClinicReport

HEADER = ["section", "metric", "value", "n"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return text
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def report_csv(report: ClinicReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in report_rows(report):
        writer.writerow([neutralise(cell) for cell in row])
    # A byte-order mark, so spreadsheet programs read the file as UTF-8.
    return "\ufeff" + out.getvalue()


def report_rows(report: ClinicReport) -> Iterator[list]:
    yield from _about(report)
    yield from _funnel(report)
    yield from _adherence(report)
    yield from _modules(report)
    yield from _time(report)
    yield from _support(report)
    yield from _outcomes(report)


def _row(section: str, metric: str, cell: Cell) -> list:
    return [section, metric, cell.value, cell.n_text if cell.value or cell.hidden else ""]


def _about(report: ClinicReport) -> Iterator[list]:
    section = _("Report")
    yield [section, _("Clinic"), report.clinic.name, ""]
    yield [section, _("Covers"), report.scope, ""]
    yield [section, _("Made at (UTC)"), report.made_at.strftime("%Y-%m-%d %H:%M"), ""]
    yield [section, _("Patients"), report.funnel[0].count.value, ""]


def _funnel(report: ClinicReport) -> Iterator[list]:
    section = _("Funnel")
    for step in report.funnel:
        yield _row(section, step.label, step.count)
        yield _row(section, _("%(step)s (%% of invited)") % {"step": step.label}, step.percent)


def _adherence(report: ClinicReport) -> Iterator[list]:
    section, a = _("Adherence"), report.adherence
    yield _row(section, _("Modules finished per activated patient (mean)"), a.modules_mean)
    yield _row(section, _("Modules finished per activated patient (median)"), a.modules_median)
    yield _row(section, _("Behind in week 2 (patients)"), a.behind)
    yield _row(section, _("Behind in week 2 (% of patients whose week 2 has ended)"), a.behind_percent)
    yield _row(section, _("Dropped out (patients)"), a.dropouts)
    yield _row(section, _("Dropped out (% of invited)"), a.dropout_percent)
    for week in a.dropout_weeks:
        yield _row(section, _("Dropped out, last activity in: %(week)s") % {"week": week.label}, week.count)


def _modules(report: ClinicReport) -> Iterator[list]:
    section = _("Module engagement")
    for m in report.modules:
        name = f"{m.programme}: {m.position}. {m.title}"
        yield _row(section, _("%(module)s – opened") % {"module": name}, m.unlocked)
        yield _row(section, _("%(module)s – started") % {"module": name}, m.started)
        yield _row(section, _("%(module)s – finished") % {"module": name}, m.completed)
        yield _row(section, _("%(module)s – finished (%% of opened)") % {"module": name}, m.completed_percent)
        yield _row(
            section, _("%(module)s – median days from first opening to finishing") % {"module": name}, m.median_time
        )


def _time(report: ClinicReport) -> Iterator[list]:
    section, t = _("Therapist time"), report.time
    for activity in [*t.rows, t.total]:
        yield _row(section, _("%(activity)s – minutes in total") % {"activity": activity.label}, activity.total)
        yield _row(
            section, _("%(activity)s – minutes per patient") % {"activity": activity.label}, activity.per_patient
        )
        yield _row(
            section, _("%(activity)s – minutes per completer") % {"activity": activity.label}, activity.per_completer
        )
    currency = {"currency": t.currency}
    yield _row(section, _("Cost per patient (%(currency)s)") % currency, t.cost_per_patient)
    yield _row(section, _("Cost per completer (%(currency)s)") % currency, t.cost_per_completer)


def _support(report: ClinicReport) -> Iterator[list]:
    section, s = _("Technical support"), report.support
    yield _row(section, _("Requests"), s.total)
    for label, cell in s.by_status:
        yield _row(section, _("Status: %(status)s") % {"status": label}, cell)
    for label, cell in s.by_category:
        yield _row(section, _("Problem: %(category)s") % {"category": label}, cell)


# --- Outcomes (reports.outcome_stats: its cells are already suppressed) --------------------------------


def _stat(value, places: int = 2) -> str:
    """An outcome_stats cell: a mark ("<5", "*") as it is, None as empty, a float to ``places``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{places}f}"
    return str(value)


def _outcomes(report: ClinicReport) -> Iterator[list]:
    for outcome in report.outcomes:
        yield from _instrument_rows(_("Outcomes"), "", outcome)
    for mode, label in ContactMode.choices:
        for outcome in report.outcomes_by_mode.get(mode, []):
            yield from _instrument_rows(_("Outcomes by contact mode"), f"{label} – ", outcome)
    yield from _satisfaction(report)
    yield from _adverse_events(report)


def _instrument_rows(section: str, prefix: str, o) -> Iterator[list]:
    name = f"{prefix}{o.short_title}"
    rows = [
        (_("patients at baseline"), o.n_baseline, o.n_baseline),
        (_("patients at the end"), o.n_post, o.n_post),
        (_("patients with both"), o.n_paired, o.n_paired),
        (_("baseline mean"), o.baseline_mean, o.n_baseline),
        (_("baseline SD"), o.baseline_sd, o.n_baseline),
        (_("end mean"), o.post_mean, o.n_post),
        (_("end SD"), o.post_sd, o.n_post),
        (_("mean change (end minus baseline)"), o.change_mean, o.n_paired),
        (_("mean change, 95% CI low"), o.change_low, o.n_paired),
        (_("mean change, 95% CI high"), o.change_high, o.n_paired),
        (_("Hedges' g (within group, positive = better)"), o.g, o.n_paired),
        (_("Hedges' g, 95% CI low"), o.g_low, o.n_paired),
        (_("Hedges' g, 95% CI high"), o.g_high, o.n_paired),
    ]
    for metric, value, n in rows:
        yield [section, f"{name}: {metric}", _stat(value), _stat(n)]
    for metric, rate in (
        (_("reliable improvement"), o.improved),
        (_("reliable deterioration"), o.deteriorated),
        (_("recovery"), o.recovered),
    ):
        if rate is not None:
            yield [section, f"{name}: {metric} (patients)", _stat(rate.count), _stat(rate.n)]
            yield [section, f"{name}: {metric} (%)", _stat(rate.percent, 1), _stat(rate.n)]
    if o.comparison is not None and not prefix:
        metric = _("Terpstra et al. 2022, pooled effect against passive control (a different design)")
        yield [section, f"{name}: {metric}", f"{o.comparison.low:.2f} to {o.comparison.high:.2f}", ""]


def _satisfaction(report: ClinicReport) -> Iterator[list]:
    section, s = _("Satisfaction"), report.satisfaction
    yield [section, _("Patients who answered"), _stat(s.n), _stat(s.n)]
    yield [section, _("Mean of the answers (1 to 5)"), _stat(s.mean), _stat(s.n)]
    yield [section, _("SD of the answers"), _stat(s.sd), _stat(s.n)]
    for item in s.items:
        for answer in item.answers:
            yield [section, f"{item.text}: {answer.label}", _stat(answer.count), _stat(item.n)]


def _adverse_events(report: ClinicReport) -> Iterator[list]:
    section, a = _("Adverse events"), report.adverse_events
    yield [section, _("Patients who answered"), _stat(a.n), _stat(a.n)]
    yield [section, _("Reported an unwanted effect (patients)"), _stat(a.any_event.count), _stat(a.any_event.n)]
    yield [section, _("Reported an unwanted effect (%)"), _stat(a.any_event.percent, 1), _stat(a.any_event.n)]
    for answer in a.worst_bother:
        metric = _("How much it bothered them at worst: %(answer)s") % {"answer": answer.label}
        yield [section, metric, _stat(answer.count), _stat(a.any_event.count)]
