"""The benchmark's own database and process environment (never the developer's or CI's database)."""

import os
from pathlib import Path

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "steady", "password": "steady"}  # noqa: S105 - local role
REDIS_DB = 9


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}:{PG['password']}@{PG['host']}:{PG['port']}/{name}"


def environment(db_name: str, var_dir: Path) -> dict[str, str]:
    """What gunicorn, the Celery worker and this process run with: production-like (DEBUG off,
    PostgreSQL, Redis cache and broker), plain HTTP on loopback, the bench settings."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_HTTPS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url(db_name),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{REDIS_DB}"),
        "STEADY_CACHE_PREFIX": "steady-bench",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "STEADY_VAR_DIR": str(var_dir),
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }


def recreate_database(name: str) -> None:
    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def drop_database(name: str) -> None:
    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    connection.close()
