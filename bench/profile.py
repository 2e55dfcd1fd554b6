"""``python -m bench profile [page ...]``: pyinstrument profiles of key pages, served in-process by
Django's test client against the smoke-size data set (its own database, dropped afterwards).
What to look for first: time in the database, in template rendering, and per-row Python work."""

import os
import sys
import tempfile
from pathlib import Path

from bench.environment import drop_database, environment, recreate_database

DB = "steady_bench_profile"


def main(argv: list[str]) -> int:
    os.environ.update(environment(DB, Path(tempfile.mkdtemp(prefix="steady-bench-profile-"))))
    recreate_database(DB)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from pyinstrument import Profiler

        from accounts.models import User
        from bench import pages, seed

        call_command("migrate", verbosity=0)
        seeded = seed.Seeder(seed.SMOKE).run()
        wanted = set(argv) or {"home", "module", "autosave", "dashboard", "report_big", "dispatch"}
        if "dispatch" in wanted:
            profile_dispatch(Profiler)
        for page in pages.key_pages(seeded):
            if page.key not in wanted or page.user_id is None:
                continue
            client = pages.signed_in_client(User.objects.get(pk=page.user_id))
            for _ in range(3):  # warm: templates compiled, caches filled
                pages.request(client, page)
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(20):
                    response = pages.request(client, page)
            assert response.status_code == 200, (page.key, response.status_code)  # noqa: S101
            print(f"\n===== {page.key}: {page.url} (20 requests) =====")
            print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(DB)
    return 0


def profile_dispatch(profiler_class) -> None:
    """The batched dispatcher sending 500 due rows: its statements by shape, and its profile."""
    import collections
    import datetime
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from modules.models import PlannedModule
    from modules.plans import MODULE_READY_KIND
    from notifications import services
    from notifications.models import Notification

    items = PlannedModule.objects.values_list("pk", "plan__enrollment__patient_id")[:500]
    due = timezone.now() - datetime.timedelta(minutes=1)
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=MODULE_READY_KIND,
            dedupe_key=f"profile:{pk}",
            context={"planned_module_id": pk},
            due_at=due,
        )
        for pk, user_id in items
    )
    profiler = profiler_class(interval=0.0005)
    with CaptureQueriesContext(connection) as captured, profiler:
        sent = services.dispatch_due()
    shapes = collections.Counter(re.sub(r"\d+", "N", q["sql"])[:140] for q in captured.captured_queries)
    print(f"\n===== dispatch: {sent} sent, {len(captured.captured_queries)} statements =====")
    for shape, count in shapes.most_common(8):
        print(f"{count:6d}  {shape}")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
