"""Steady's one settings module. Everything that differs between installs comes from the environment.

With DATABASE_URL and REDIS_URL unset, Steady runs on its embedded default: a SQLite file, a
file-system Celery broker and a file-system cache under ``var/``. That is for a first look and for
development; production sets both (see README, "Configuration").
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STEADY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE); it is required when DEBUG is off."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-steady-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Served over HTTPS (production): secure cookies with the __Host- prefix, HSTS and a redirect to
# https. The embedded demo on http://127.0.0.1 turns this off.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)

# Absolute address used in e-mails, which are rendered by workers without a request.
STEADY_BASE_URL = env_str("STEADY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Steady's apps, in dependency order (an app may import the ones below it, never above).
    "demo",
    "reports",
    "guidance",
    "outcomes",
    "modules",
    "clinics",
    "notifications",
    "accounts",
    # Django and third parties.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth.usersessions' page uses naturaltime
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Records each signed-in session against its user, so ending a person's sessions (staff
    # deactivated, password changed) is a lookup, not a scan of every session.
    "allauth.usersessions",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Ends an expired session before LoginRequiredMiddleware decides who is signed in.
    "clinics.middleware.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinics.middleware.StaffMFAMiddleware",
    "clinics.middleware.AuditDeniedMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinics.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "config.forms.SteadyFormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
                conn_health_checks=True,
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be understood: {exc}") from exc
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "steady.sqlite3",
            # The demo runs web, worker and beat against one file: take the write lock at the start
            # of a transaction and wait for it, instead of failing with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (sessions' neighbour; allauth's rate limits need one shared by every worker) ---------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("STEADY_CACHE_PREFIX", "steady"),
        }
    }
else:
    # Shared by every process on this machine, unlike local memory; large enough never to cull.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Celery ----------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "notifications-dispatch": {
        "task": "notifications.dispatch_due",
        "schedule": timedelta(minutes=1),
    },
    "notifications-reap": {
        "task": "notifications.reap_stuck",
        "schedule": crontab(minute="*/5"),
    },
    # Modules open at the start of the patient's day; a 5-minute sweep opens them within 5 minutes.
    "modules-unlock-due": {
        "task": "modules.unlock_due",
        "schedule": crontab(minute="*/5"),
    },
    "modules-reconcile-plans": {
        "task": "modules.reconcile_plans",
        "schedule": crontab(minute="*/15"),
    },
    # Questionnaires: make schedules, open what is due (and queue reminders), remind on the due
    # day, close what expired. Urgent alerts escalate within minutes of their window.
    "outcomes-reconcile-schedules": {"task": "outcomes.reconcile_schedules", "schedule": crontab(minute="*/15")},
    "outcomes-open-due": {"task": "outcomes.open_due", "schedule": crontab(minute="*/5")},
    "outcomes-remind-due": {"task": "outcomes.remind_due", "schedule": crontab(minute="*/15")},
    "outcomes-expire-due": {"task": "outcomes.expire_due", "schedule": crontab(minute="*/15")},
    "outcomes-escalate-alerts": {"task": "outcomes.escalate_alerts", "schedule": crontab(minute="*/5")},
    "outcomes-flag-overdue": {"task": "outcomes.flag_overdue", "schedule": crontab(minute=7)},
    # A CSV import whose hand-off to a worker was lost, or whose worker died, is picked up again.
    "clinics-resume-enrolment-imports": {"task": "clinics.resume_enrolment_imports", "schedule": crontab(minute="*/5")},
    # Likewise a report, research bundle, data download or progress PDF: enqueued again, made once.
    "reports-resume-exports": {"task": "reports.resume_exports", "schedule": crontab(minute="*/5")},
    "outcomes-resume-exports": {"task": "outcomes.resume_exports", "schedule": crontab(minute="*/5")},
}

# --- E-mail (Django 6.1 MAILERS) -----------------------------------------------------------
# With EMAIL_HOST set, mail goes out by SMTP; otherwise each message is written as a file under
# var/mail (the embedded demo). EMAIL_BACKEND may name any other backend class.
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _mailer = {
        "BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("EMAIL_PORT", 587),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": env_int("EMAIL_TIMEOUT", 20),
        },
    }
else:
    _mailer = {"BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")}
    if _mailer["BACKEND"].endswith("filebased.EmailBackend"):
        _mailer["OPTIONS"] = {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Steady <no-reply@steady.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"request_login_code": "clinics.forms.PatientLoginCodeForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# No mail to an address without an account (allauth would send "no account here"): there is no
# public sign-up to point to, and Steady must not send mail to whatever address someone types in.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True  # patients only: see clinics.forms.PatientLoginCodeForm
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Steady: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# allauth's defaults, written out so a reviewer sees them: after 5 failed logins for one address
# in 5 minutes even the right password is refused.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "20/m/ip",
    "confirm_email": "1/180s/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Steady"
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"

# Idle and absolute session limits by role (DESIGN.md, Security): enforced by
# clinics.middleware.SessionLimitsMiddleware.
STEADY_SESSION_LIMITS = {
    "staff": {"idle": timedelta(minutes=30), "absolute": timedelta(hours=12)},
    "patient": {"idle": timedelta(minutes=60), "absolute": timedelta(hours=24)},
}
STEADY_INVITATION_VALID_FOR = timedelta(days=env_int("STEADY_INVITATION_DAYS", 14))
# PSEQ's wording is licensed: a clinic that holds the licence installs it as a JSON file here.
STEADY_PSEQ_ITEMS_FILE = env_str("STEADY_PSEQ_ITEMS_FILE")
# Key for pseudonymous patient references in research and FHIR exports (default: from SECRET_KEY).
STEADY_PSEUDONYM_KEY = env_str("STEADY_PSEUDONYM_KEY")

# --- Sessions, cookies and headers -----------------------------------------------------------
SESSION_COOKIE_AGE = int(STEADY_SESSION_LIMITS["patient"]["absolute"].total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # Strict would drop the cookie on links opened from e-mails
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from the page, never from the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "steady_sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "steady_csrftoken"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    # Served from the source folders (WhiteNoise finds them); the folder only needs to exist.
    STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Logging: no health data, ever; only ids and codes ---------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
