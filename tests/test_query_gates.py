"""Query-count gates for the pages the benchmark measures (bench/), on the benchmark's own data.

The bench's seeder builds patients with 12 weeks of history; for each N it adds a therapist with N
patients, a cohort of N patients for the report, and a patient whose own history (messages, diary
days, activity) has N more rows. Every page must run the same number of queries at every N: a
count that grows with N is a query per row, which is what makes a page slow for the clinic that
has the most data. The numbers are exact, so an added query is noticed and explained here.

Other tests already gate neighbouring cases and are not repeated: the dashboard at 1 and 60
patients with filters (tests/guidance/test_dashboard.py), the report at 100 and 5,000 patients
(tests/reports/test_report_views.py), home with 1 and 8 open modules (tests/modules/test_reader.py).
"""

import pytest

from bench import pages, seed

# session, user, roles, enrolment, plan, items, progress, changes, diary, open questionnaires,
# the messages badge and panel
HOME = 12
# as home's first queries, the open module, its pages, the page's exercises and answers, the visit
# (select, update), the engagement event, the module start
MODULE = 15
# session, user, roles, the open module, the exercise, the answer locked, saved (with the
# transaction's savepoints), the status partial
AUTOSAVE = 15
DASHBOARD = 11
REPORT = 18

EXPECTED = {"home": HOME, "module": MODULE, "autosave": AUTOSAVE, "dashboard": DASHBOARD, "report": REPORT}
TINY = seed.Sizes(therapists=4, patients=4, caseload=2, report_big=3, report_small=2)


@pytest.mark.django_db
def test_the_benchmarked_pages_run_the_same_queries_at_1_10_and_100():
    seeder = seed.Seeder(TINY)
    seeded = seeder.run()
    counts = pages.query_counts(seeder, seeded, [1, 10, 100])
    found = {page: {n: value["queries"] for n, value in by_n.items()} for page, by_n in counts.items()}
    assert found == {page: dict.fromkeys(["1", "10", "100"], n) for page, n in EXPECTED.items()}
    assert {value["status"] for by_n in counts.values() for value in by_n.values()} == {200}
