"""500 due reminders go out exactly once while workers, Redis and PostgreSQL fail under them.

Real processes on loopback (tests/chaos/conftest.py): two Celery workers, a beat on a compressed
clock (tests/chaos/beat.py), our own Redis and PostgreSQL, gunicorn for the web. The reminders are
written by the questionnaire sweep as in production (tests/chaos/seed.py), so each is handed to a
worker through the broker when it is written, and the dispatcher and reaper are the safety net.

"Sent" means both: the e-mail was written by the file backend, and the row says ``sent``. "None
twice" is counted in the e-mails, per recipient (each patient has exactly one reminder).
"""

import re
import time
import urllib.error
import urllib.request
from collections import Counter

import psycopg2

from tests.chaos.conftest import wait_until

REMINDERS = 500
SETTLE = 3  # seconds with nothing moving before the counts are final (a late duplicate would show)


def settled(stack, timeout: float) -> dict:
    """Wait until every row is sent (or nothing moves for long) and the mail count holds still."""
    deadline = time.monotonic() + timeout
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            snapshot = (tuple(sorted(stack.statuses().items())), stack.mail_count())
        except psycopg2.Error:
            snapshot = None
        if snapshot != last:
            last, still_since = snapshot, time.monotonic()
        elif snapshot and dict(snapshot[0]) == {"sent": REMINDERS} and time.monotonic() - still_since >= SETTLE:
            return dict(snapshot[0])
        time.sleep(0.25)
    return dict(last[0]) if last else {}


def assert_each_reminder_went_out_once(stack) -> Counter:
    rows = stack.rows()
    assert len(rows) == REMINDERS, "one reminder per patient was written"
    assert Counter(status for status, _address, _kind in rows.values()) == {"sent": REMINDERS}, "none stuck"
    recipients = {address for _status, address, _kind in rows.values()}
    assert len(recipients) == REMINDERS
    mails = stack.mails()
    per_recipient = Counter(message["To"] for message in mails)
    twice = {address: n for address, n in per_recipient.items() if n > 1}
    assert not twice, f"{len(twice)} patients got their reminder more than once"
    assert set(per_recipient) == recipients, "every patient got their reminder, and nobody else got one"
    assert len(mails) == REMINDERS
    assert len({message["Message-ID"] for message in mails}) == REMINDERS
    return per_recipient


def attempts(stack) -> Counter:
    """How many rows needed how many claims (a row claimed twice was recovered from a fault)."""
    connection = stack.postgres.connect(stack.dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT attempts, count(*) FROM notifications_notification GROUP BY attempts")
            return Counter(dict(cursor.fetchall()))
    finally:
        connection.close()


def dispatched(stack) -> int:
    """Reminders sent by the periodic dispatcher (the safety net), from the workers' logs."""
    total = 0
    for log in stack.logs.glob("worker-*.log"):
        total += sum(
            int(n) for n in re.findall(r"notifications\.dispatch_due\[[^]]+\] succeeded in \S+ (\d+)", log.read_text())
        )
    return total


def test_a_worker_killed_five_times_mid_run_loses_and_doubles_nothing(stack, finding):
    stack.start_worker("steady")
    stack.start_worker("victim")
    stack.start_beat()
    seeder = stack.seed_in_background(REMINDERS)

    kills, deferred = [], []
    for _ in range(5):
        # Mid-run: the victim has taken work since it (re)started, and reminders are still unsent.
        sent_before = stack.mail_count()
        wait_until(lambda n=sent_before: stack.mail_count() >= n + 15, 60, "the workers to send more reminders")
        remaining = REMINDERS - stack.statuses().get("sent", 0)
        assert remaining > 0, f"the run ended after {len(kills)} kills: too fast to kill mid-run"
        # Killed while it holds a claimed reminder it has not sent: the reaper must give it back.
        deferred.append(
            stack.fault_outside_the_commit_window(
                lambda: stack.kill_worker("victim"), when=lambda: stack.holds_an_unsent_claim("victim")
            )
        )
        kills.append(remaining)
        stack.start_worker("victim")
    assert seeder.wait(timeout=120) == 0

    final = settled(stack, timeout=120)

    assert final == {"sent": REMINDERS}
    assert_each_reminder_went_out_once(stack)
    assert len(kills) == 5 and all(kills)
    claims = attempts(stack)
    # Each kill left at least one claimed reminder behind, returned by the reaper and claimed again.
    assert sum(n for claimed, n in claims.items() if claimed > 1) >= 5
    finding(
        f"SIGKILL x5 with {kills} reminders unsent (frozen moments passed over: {deferred});"
        f" rows by number of claims: {dict(claims)}; sent by the dispatcher: {dispatched(stack)}"
    )


def test_redis_restarted_without_persistence_mid_run_loses_no_reminder(stack, finding):
    stack.start_worker("one")
    stack.start_worker("two")
    stack.start_beat()
    seeder = stack.seed_in_background(REMINDERS)

    wait_until(lambda: stack.redis.queued() >= 100 and stack.mail_count() >= 20, 60, "a backlog in the queue")
    before = stack.redis.run_id()
    unsent = REMINDERS - stack.statuses().get("sent", 0)
    lost = stack.redis.queued_tasks()
    stack.redis.restart_empty()
    assert stack.redis.run_id() != before, "a new Redis, with none of the queued hand-offs"
    assert seeder.wait(timeout=120) == 0

    final = settled(stack, timeout=120)

    assert final == {"sent": REMINDERS}
    assert_each_reminder_went_out_once(stack)
    assert lost["notifications.deliver"] >= 100
    by_dispatcher = dispatched(stack)
    # A lost hand-off's row stays pending, and only the dispatcher sends a pending row nobody hands off.
    assert by_dispatcher >= lost["notifications.deliver"], "the dispatcher sent what the broker lost"
    finding(
        f"Redis lost {dict(lost)} queued messages with {unsent} reminders unsent;"
        f" sent by the dispatcher: {by_dispatcher}; rows by number of claims: {dict(attempts(stack))}"
    )


def readyz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def test_postgres_restarted_mid_run_loses_no_reminder_and_the_web_recovers(stack, finding):
    port = 8731
    stack.start_web(port)
    wait_until(lambda: readyz(port) == 200, 30, "gunicorn's /readyz to answer 200")
    stack.start_worker("one")
    stack.start_worker("two")
    stack.start_beat()
    seeder = stack.seed_in_background(REMINDERS)
    wait_until(lambda: stack.mail_count() >= 100, 60, "the workers to be sending")
    assert seeder.wait(timeout=120) == 0  # open_due wrote every reminder before the database goes

    unsent = REMINDERS - stack.statuses().get("sent", 0)
    # Stopped while a worker renders a claimed reminder: it must not send it without its sent mark.
    deferred = stack.fault_outside_the_commit_window(
        stack.postgres.stop_immediately,
        when=lambda: stack.holds_an_unsent_claim("one") or stack.holds_an_unsent_claim("two"),
    )
    wait_until(lambda: readyz(port) == 503, 15, "/readyz to report the database down")
    time.sleep(3)
    stack.postgres.start()
    back = time.monotonic()
    wait_until(lambda: readyz(port) == 200, 10, "/readyz to answer 200 within 10 s of PostgreSQL being back")
    recovered_in = time.monotonic() - back

    final = settled(stack, timeout=120)

    assert final == {"sent": REMINDERS}
    assert_each_reminder_went_out_once(stack)
    assert unsent > 0
    finding(
        f"PostgreSQL stopped (immediate) with {unsent} reminders unsent (frozen moments passed over: {deferred});"
        f" /readyz 200 again {recovered_in:.1f} s after it was back; sent by the dispatcher: {dispatched(stack)};"
        f" rows by number of claims: {dict(attempts(stack))}"
    )
