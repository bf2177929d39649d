"""Rate limits on public endpoints, the 429 page, and the honeypot field."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from intake.models import Draft, Submission
from tests.answers import CONSENT, make_answers
from tests.helpers import run_tasks
from tests.intake_steps import fill_screened_steps, post_step

pytestmark = pytest.mark.django_db

IP = "203.0.113.5"


@pytest.fixture
def tight_limits(settings: Any) -> dict[str, tuple[int, int]]:
    settings.CLINIC_RATE_LIMITS = {
        **settings.CLINIC_RATE_LIMITS,
        "intake_start": (2, 3600),
        "intake_submit": (1, 3600),
        "link_request_ip": (2, 3600),
        "link_request_email": (1, 3600),
    }
    return settings.CLINIC_RATE_LIMITS


def patient(ip: str = IP) -> Client:
    return Client(REMOTE_ADDR=ip)


def start(client: Client) -> Any:
    return post_step(client, "about", make_answers())


def test_starting_intakes_is_limited_per_address_with_a_friendly_page(tight_limits: Any) -> None:
    assert start(patient()).status_code == 302
    assert start(patient()).status_code == 302

    response = start(patient())

    assert response.status_code == 429
    assert b"Too many tries in a short time" in response.content
    assert int(response["Retry-After"]) > 0
    assert Draft.objects.count() == 2


def test_another_address_is_not_affected(tight_limits: Any) -> None:
    start(patient())
    start(patient())
    assert start(patient("203.0.113.99")).status_code == 302


def test_a_patient_who_has_started_is_never_stopped_by_the_start_limit(tight_limits: Any) -> None:
    client = patient()
    start(client)
    start(patient())
    for section in ("pain", "red_flags", "needling"):
        assert post_step(client, section, make_answers()).status_code == 302


def test_submitting_is_limited_per_address(tight_limits: Any) -> None:
    tight_limits["intake_start"] = (10, 3600)  # only the submit limit is under test here
    first, second = patient(), patient()
    fill_screened_steps(first, make_answers())
    assert post_step(first, "consent", CONSENT, action="submit").status_code == 302
    fill_screened_steps(second, make_answers(email="other@example.com"))

    response = post_step(second, "consent", CONSENT, action="submit")

    assert response.status_code == 429
    assert Submission.objects.count() == 1


def ask_for_link(client: Client, email: str) -> Any:
    start(client)
    return client.post("/intake/later/", {"email": email})


def test_resume_link_requests_are_limited_per_email_address(tight_limits: Any) -> None:
    assert ask_for_link(patient("198.51.100.1"), "pat@example.com").status_code == 302
    response = ask_for_link(patient("198.51.100.2"), "PAT@example.com")
    assert response.status_code == 429
    run_tasks()
    assert len(mail.outbox) == 1


def test_resume_link_requests_are_limited_per_address(tight_limits: Any) -> None:
    client = patient()
    start(client)
    assert client.post("/intake/later/", {"email": "a@example.com"}).status_code == 302
    assert client.post("/intake/later/", {"email": "b@example.com"}).status_code == 302
    assert client.post("/intake/later/", {"email": "c@example.com"}).status_code == 429
    run_tasks()
    assert len(mail.outbox) == 2


def test_the_cache_never_holds_an_email_or_address(tight_limits: Any) -> None:
    ask_for_link(patient(), "pat@example.com")
    store: Any = cache._cache  # type: ignore[attr-defined]
    # Local memory (the suite's default) is a dict; Redis (REDIS_URL) is asked for its keys.
    names = store.get_client().keys("*") if hasattr(store, "get_client") else list(store)
    keys = " ".join(str(key) for key in names)
    assert "ratelimit" in keys
    assert "pat@example.com" not in keys and IP not in keys


def test_limits_can_be_turned_off_for_load_tests(tight_limits: Any, settings: Any) -> None:
    settings.CLINIC_RATE_LIMITS_ENABLED = False
    for _ in range(4):
        assert start(patient()).status_code == 302


def test_a_cache_outage_lets_patients_through(tight_limits: Any, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    for _ in range(3):
        assert start(patient()).status_code == 302


def test_a_bot_filling_the_honeypot_gets_an_ordinary_answer_and_nothing_is_stored() -> None:
    client = patient()
    response = post_step(client, "about", make_answers(), website="http://spam.example")
    assert response.status_code == 302
    assert not Draft.objects.exists()


def test_a_bot_asking_for_a_resume_link_gets_an_ordinary_answer_and_no_email() -> None:
    client = patient()
    start(client)
    response = client.post(
        "/intake/later/", {"email": "pat@example.com", "website": "http://spam.example"}
    )
    assert response.status_code == 302
    run_tasks()
    assert mail.outbox == []


def test_public_forms_carry_the_honeypot_hidden_from_people() -> None:
    client = patient()
    page = client.get("/intake/about/").content.decode()
    assert 'name="website"' in page and 'class="hp-field" aria-hidden="true"' in page
    start(client)
    assert 'name="website"' in client.get("/intake/later/").content.decode()
