"""Real processes on loopback for the fault tests (``make chaos``): a PostgreSQL cluster and a Redis of
their own, Celery workers, a compressed beat (tests/chaos/beat.py) and gunicorn.

The shared services (PostgreSQL 5432, Redis 6379) are never touched: this starts its own PostgreSQL
on PG_PORT and Redis on REDIS_PORT in a temporary directory, and stops only what it started. A
missing binary fails the run; it never skips.
"""

import email
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings

PG_PORT = 5441
REDIS_PORT = 6391
PG_USER = "steady"
TEMPLATE_DB = "chaos_template"
BASE_DIR = Path(settings.BASE_DIR)
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


def _fail(message: str):
    pytest.fail(message, pytrace=False)


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries installed (Debian: /usr/lib/postgresql/<version>/bin)."""
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    if not candidates:
        on_path = shutil.which("initdb")
        if on_path:
            return Path(on_path).parent
        _fail("make chaos needs PostgreSQL's server binaries (initdb, pg_ctl): apt-get install postgresql")
    return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def redis_server_bin() -> str:
    path = shutil.which("redis-server")
    if not path:
        _fail("make chaos needs redis-server on PATH: apt-get install redis-server")
    return path


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    _fail(f"timed out after {timeout:.0f} s waiting for {what}")


# --- PostgreSQL -------------------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of our own. As root (CI), initdb and the server run as ``postgres``."""

    def __init__(self, root: Path):
        self.bin = postgres_bin()
        self.root = root
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.socket_dir = root / "pgsocket"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres and not shutil.which("runuser"):
            _fail("running as root, make chaos needs runuser (util-linux) to start PostgreSQL as postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=120)  # noqa: S603
        if result.returncode != 0:
            _fail(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}\n{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""

    def init(self) -> None:
        if not port_is_free(PG_PORT):
            _fail(f"port {PG_PORT} is in use (an earlier chaos run?): make chaos starts its own PostgreSQL there")
        self.socket_dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        self.start()

    def start(self) -> None:
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.socket_dir} -c fsync=off -c max_connections=200"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop_immediately(self) -> None:
        """Like a crash: no shutdown checkpoint, clients cut off; the next start replays the WAL."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip

    def url(self, dbname: str) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{PG_PORT}/{dbname}"

    def connect(self, dbname: str = "postgres"):
        connection = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5)
        connection.autocommit = True
        return connection

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        connection = self.connect(dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()


# --- Redis ------------------------------------------------------------------------------------------


class Redis:
    """A Redis of our own without persistence: a restart loses everything it held."""

    def __init__(self, root: Path):
        self.binary = redis_server_bin()
        self.root = root
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"

    def start(self) -> None:
        if not port_is_free(REDIS_PORT):
            _fail(f"port {REDIS_PORT} is in use (an earlier chaos run?): make chaos starts its own Redis there")
        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=open(self.root / "redis.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        wait_until(self.ping, 10, "Redis to answer")

    def ping(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart_empty(self) -> None:
        """kill -9 and start again: with no RDB or AOF, every queued message is gone."""
        self.kill()
        wait_until(lambda: port_is_free(REDIS_PORT), 10, "Redis's port to be released")
        self.start()

    def flush(self) -> None:
        redis.Redis.from_url(self.url).flushall()

    def run_id(self) -> str:
        return redis.Redis.from_url(self.url).info("server")["run_id"]

    def queued(self) -> int:
        return redis.Redis.from_url(self.url).llen("celery")

    def queued_tasks(self) -> Counter:
        """The task names of the messages waiting in Celery's queue."""
        messages = redis.Redis.from_url(self.url).lrange("celery", 0, -1)
        return Counter(json.loads(message)["headers"]["task"] for message in messages)


@pytest.fixture(scope="session")
def chaos_root():
    root = Path(tempfile.mkdtemp(prefix="steady-chaos-"))
    root.chmod(0o755)  # PostgreSQL, running as postgres, must reach its data directory inside
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(chaos_root):
    """Our own cluster, with the schema migrated by ``manage.py migrate`` into a template database."""
    pg_root = chaos_root / "postgres"
    pg_root.mkdir()
    server = Postgres(pg_root)
    server.init()
    try:
        server.execute(f"CREATE DATABASE {TEMPLATE_DB}")
        result = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            env={**base_env(chaos_root), "DATABASE_URL": server.url(TEMPLATE_DB)},
            cwd=BASE_DIR, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if result.returncode != 0:
            _fail(f"manage.py migrate failed:\n{result.stdout}\n{result.stderr}")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(chaos_root):
    redis_root = chaos_root / "redis"
    redis_root.mkdir()
    server = Redis(redis_root)
    server.start()
    yield server
    server.kill()


def base_env(root: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "chaos-tests-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_HTTPS": "0",  # gunicorn on plain loopback HTTP
        "STEADY_VAR_DIR": str(root / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DJANGO_DEBUG", "EMAIL_HOST", "DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    return env


# --- One test's stack ---------------------------------------------------------------------------------


class Stack:
    """One test's database, mail folder and processes (workers, beat, gunicorn)."""

    def __init__(self, root: Path, postgres: Postgres, redis_server: Redis, dbname: str):
        self.root = root
        self.postgres = postgres
        self.redis = redis_server
        self.dbname = dbname
        self.mail_dir = root / "mail"
        self.mail_dir.mkdir()
        self.logs = root / "logs"
        self.logs.mkdir()
        self.workers: dict[str, subprocess.Popen] = {}
        self.others: list[subprocess.Popen] = []
        self.env = {
            **base_env(root),
            "DATABASE_URL": postgres.url(dbname),
            "REDIS_URL": redis_server.url,
            "EMAIL_BACKEND": "tests.chaos.filebased.EmailBackend",  # the file backend, with latency
            "EMAIL_FILE_PATH": str(self.mail_dir),
        }
        self.starts = Counter()

    def _spawn(self, args: list[str], log_name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.logs / log_name, "ab")  # noqa: SIM115 - closed with the process
        # A session of its own, so a SIGKILL to the group takes any children with it.
        return subprocess.Popen(  # noqa: S603
            args, env=env or self.env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    # Workers: the production command (README), with a solo pool so that "kill the worker" kills the
    # process that is running the task.
    def start_worker(self, name: str) -> subprocess.Popen:
        self.starts[name] += 1
        log = self.logs / f"worker-{name}-{self.starts[name]}.log"
        process = self._spawn(
            [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
             f"--hostname={name}@chaos", f"--logfile={log}", "--without-mingle", "--without-gossip"],
            f"worker-{name}-{self.starts[name]}.out",
            # Named in pg_stat_activity, so a test can see what this worker is doing.
            env={**self.env, "DATABASE_URL": f"{self.env['DATABASE_URL']}?application_name=worker-{name}"},
        )  # fmt: skip

        def ready():
            if process.poll() is not None:
                _fail(f"worker {name} exited early:\n{log.read_text() if log.exists() else ''}")
            return log.exists() and " ready." in log.read_text()

        wait_until(ready, 60, f"worker {name} to be ready")
        self.workers[name] = process
        return process

    def kill_worker(self, name: str) -> None:
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    # --- Faults outside the one window no outbox can close -------------------------------------------

    def sends_awaiting_commit(self) -> int:
        """Workers between marking a notification sent and committing that mark.

        notifications.services.send_claimed marks the row sent, hands the mail to the server and
        commits. A worker killed, or a database lost, in that window has sent a mail whose ``sent``
        is rolled back, and the reaper sends it again: the outbox is exactly-once, mail delivery
        at-least-once there (services.reap_stuck says so; the Message-ID is stable). The faults
        below are injected anywhere else, and "none twice" is then asserted without exception.
        """
        connection = self.postgres.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND state IN ('active', 'idle in transaction')"
                    " AND query LIKE 'UPDATE \"notifications_notification\" SET \"status\" = ''sent'', \"sent_at\"%%'",
                    [self.dbname],
                )
                return cursor.fetchone()[0]
        finally:
            connection.close()

    def holds_an_unsent_claim(self, name: str) -> bool:
        """Whether worker ``name`` has claimed a reminder and not yet marked it sent: its last
        statement claimed rows, or it is rendering one (inside send_claimed's transaction)."""
        connection = self.postgres.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
                    " AND (state = 'idle in transaction'"
                    " OR query LIKE 'UPDATE \"notifications_notification\" SET \"status\" = ''sending''%%')",
                    [self.dbname, f"worker-{name}"],
                )
                return cursor.fetchone()[0] > 0
        finally:
            connection.close()

    def fault_outside_the_commit_window(self, fault, *, when=lambda: True) -> int:
        """Freeze the workers (SIGSTOP); if none is in that window and ``when()`` holds, inject
        ``fault`` while they are frozen, then let them run on (SIGCONT). Returns how many frozen
        moments were passed over first."""
        for deferred in range(2000):
            frozen = list(self.workers.values())
            for process in frozen:
                os.killpg(process.pid, signal.SIGSTOP)
            try:
                if not self.sends_awaiting_commit() and when():
                    fault()
                    return deferred
            finally:
                for process in frozen:
                    if process.poll() is None:
                        os.killpg(process.pid, signal.SIGCONT)
            time.sleep(random.uniform(0.005, 0.03))  # noqa: S311 - a jitter, not a secret
        _fail("no moment to inject the fault: the workers were always between a sent mark and its commit")

    def start_beat(self) -> subprocess.Popen:
        process = self._spawn([PYTHON, "-m", "tests.chaos.beat"], "beat.log")
        self.others.append(process)
        return process

    def start_web(self, port: int) -> subprocess.Popen:
        process = self._spawn(
            [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "30", "--access-logfile", "-"],
            "gunicorn.log",
        )  # fmt: skip
        self.others.append(process)
        return process

    def seed(self, count: int) -> int:
        result = subprocess.run(  # noqa: S603
            [PYTHON, "-m", "tests.chaos.seed", str(count)],
            env={**self.env, "DJANGO_SETTINGS_MODULE": "tests.settings"},
            cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        if result.returncode != 0:
            _fail(f"seeding failed:\n{result.stdout}\n{result.stderr}")
        return int(result.stdout.strip().splitlines()[-1])

    def seed_in_background(self, count: int) -> subprocess.Popen:
        return self._spawn(
            [PYTHON, "-m", "tests.chaos.seed", str(count)],
            "seed.log",
            env={**self.env, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        )

    # --- What happened -----------------------------------------------------------------------------

    def statuses(self) -> Counter:
        """Notification rows by status (raises psycopg2.Error while PostgreSQL is down)."""
        connection = self.postgres.connect(self.dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT status, count(*) FROM notifications_notification GROUP BY status")
                return Counter(dict(cursor.fetchall()))
        finally:
            connection.close()

    def rows(self) -> dict[int, tuple[str, str, str]]:
        """{notification id: (status, recipient address, kind)}."""
        connection = self.postgres.connect(self.dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT n.id, n.status, u.email, n.kind FROM notifications_notification n"
                    " JOIN accounts_user u ON u.id = n.user_id"
                )
                return {pk: (status, address, kind) for pk, status, address, kind in cursor.fetchall()}
        finally:
            connection.close()

    def mails(self) -> list[email.message.Message]:
        """Every e-mail the file backend wrote (one file may hold several, each followed by a rule)."""
        rule = b"\n" + b"-" * 79 + b"\n"
        messages = []
        for path in sorted(self.mail_dir.iterdir()):
            for chunk in path.read_bytes().split(rule):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk))
        return messages

    def mail_count(self) -> int:
        rule = b"-" * 79
        return sum(path.read_bytes().count(rule) for path in self.mail_dir.iterdir())

    def stop_all(self) -> None:
        for process in [*self.workers.values(), *self.others]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.workers.clear()
        self.others.clear()


@pytest.fixture
def stack(request, chaos_root, postgres, redis_server):
    name = request.node.name.removeprefix("test_")[:40]
    root = chaos_root / name
    root.mkdir()
    dbname = f"chaos_{len(list(chaos_root.iterdir()))}"
    postgres.execute(f"CREATE DATABASE {dbname} TEMPLATE {TEMPLATE_DB}")
    redis_server.flush()
    stack = Stack(root, postgres, redis_server, dbname)
    yield stack
    stack.stop_all()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        kept = Path(settings.BASE_DIR, "test-artifacts", "chaos", name)
        shutil.copytree(root / "logs", kept, dirs_exist_ok=True)


_findings: list[str] = []


@pytest.fixture
def finding(request):
    """``finding(text)``: what a test proved (its counts), shown in the run's summary."""
    return lambda text: _findings.append(f"{request.node.name}: {text}")


def pytest_terminal_summary(terminalreporter):
    if _findings:
        terminalreporter.write_sep("=", "chaos: what each test proved")
        for line in _findings:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
