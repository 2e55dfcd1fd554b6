"""One figure of the clinic report as it is shown and exported, with the small-cell rule applied.

Every number the report's own sections show goes through these helpers, which hide it ("<5") when it
comes from fewer than reports.stats.SMALL_CELL patients, so the page, the CSV and the PDF hide the
same cells.
"""

from dataclasses import dataclass

from reports.stats import SUPPRESSED, suppress_distribution, suppressed

NO_DATA = "–"


@dataclass(frozen=True)
class Cell:
    """``text`` is what the page shows ("<5" when suppressed), ``value`` what the CSV holds, and ``n``
    the number of patients (or requests) the figure is based on."""

    text: str
    value: str
    n: int
    hidden: bool = False

    @property
    def n_text(self) -> str:
        return SUPPRESSED if suppressed(self.n) else str(self.n)


def hidden_cell(n: int) -> Cell:
    return Cell(SUPPRESSED, SUPPRESSED, n, hidden=True)


def count_cell(count: int, *, base: int | None = None) -> Cell:
    """A number of patients; ``base`` is the group they are counted in (its n)."""
    n = count if base is None else base
    if suppressed(count):
        return hidden_cell(n)
    return Cell(f"{count:,}", str(count), n)


def distribution_cells(counts: list[int], *, base: int) -> list[Cell]:
    """Counts that add up to a total shown beside them: small ones hidden, and one more when only one
    is small, so it cannot be worked out by subtraction (reports.stats.suppress_distribution)."""
    cells = []
    for count, mark in zip(counts, suppress_distribution(counts), strict=True):
        if mark is None:
            cells.append(Cell(f"{count:,}", str(count), base))
        else:
            cells.append(Cell(mark, mark, base, hidden=True))
    return cells


def percent_cell(part: int, whole: int) -> Cell:
    if not whole:
        return Cell(NO_DATA, "", 0)
    if suppressed(part) or suppressed(whole):
        return hidden_cell(whole)
    share = 100 * part / whole
    return Cell(f"{share:.0f}%", f"{share:.1f}", whole)


def stat_cell(value: float | None, n: int, *, text: str | None = None, digits: int = 1) -> Cell:
    """A mean, median or rate worked out from ``n`` patients."""
    if value is None or not n:
        return Cell(NO_DATA, "", n)
    if suppressed(n):
        return hidden_cell(n)
    return Cell(text if text is not None else f"{value:,.{digits}f}", f"{value:.{max(digits, 1)}f}", n)
