"""Cost of the security layer: per-request time with and without our middleware, and the
rate-limit counter's cost per call (local memory, and Redis when REDIS_URL is set).

Run by hand from the project root: .venv/bin/python bench/security.py [--requests 2000]
Uses a throw-away SQLite database in a temporary folder; DEBUG off, as in production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.pop("DATABASE_URL", None)

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

OURS = {
    "clinic.middleware.RequestIdMiddleware",
    "clinic.middleware.ProxyClientIPMiddleware",
    "clinic.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.StaffSessionTimeoutMiddleware",
    "clinic.middleware.TwoFactorRequiredMiddleware",
    "clinic.middleware.RequestFieldLimitsMiddleware",
    "clinic.ratelimit.RateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
}


# No collectstatic for a bench: plain static storage, as the test suite uses.
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def per_request_ms(client: Client, path: str, count: int) -> tuple[float, float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)]


def staff_client() -> Client:
    from tests.helpers import make_front_desk, sign_in

    client = Client()
    from intake.models import User

    user = User.objects.filter(username="benchdesk").first() or make_front_desk("benchdesk")
    sign_in(client, user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        settings.DATABASES["default"]["NAME"] = str(Path(folder) / "bench.sqlite3")
        call_command("migrate", verbosity=0)
        print(f"{args.requests} requests per row, median / p95 in ms (DEBUG off, SQLite)")
        for label, middleware in (
            ("all middleware", settings.MIDDLEWARE),
            ("without security", [m for m in settings.MIDDLEWARE if m not in OURS]),
        ):
            with override_settings(
                MIDDLEWARE=middleware,
                CLINIC_REQUIRE_2FA=False,
                STORAGES=PLAIN_STATIC,
                WHITENOISE_USE_FINDERS=True,
            ):
                for path, client in (("/privacy/", Client()), ("/staff/", staff_client())):
                    per_request_ms(client, path, 50)  # warm up
                    median, p95 = per_request_ms(client, path, args.requests)
                    print(f"  {label:<18} GET {path:<10} {median:6.2f} / {p95:6.2f}")

        from clinic.ratelimit import hit

        calls = 20000
        started = time.perf_counter()
        for i in range(calls):
            hit("intake_start", f"198.51.100.{i % 250}")
        per_call = (time.perf_counter() - started) / calls * 1e6
        backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"rate-limit check ({backend}): {per_call:.1f} µs per call")


if __name__ == "__main__":
    main()
