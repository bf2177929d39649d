"""Finding submissions the way the front desk types: phone numbers in any form, names in any order.

Two normalised columns are written when a submission is stored (intake/submissions.py) and
searched here, by the staff queue and the Django admin alike (`search_submissions`):

- `phone_e164`: the patient's number in E.164 ("+15550100001"), parsed with the `phonenumbers`
  library in the clinic's region (CLINIC_PHONE_REGION). The typed `phone` stays as written.
- `search_text`: names and email, lowercased with accents stripped ("sasha sample s@x.org").

Stored columns rather than PostgreSQL's `unaccent` so that SQLite (tests, small clinics) and
PostgreSQL give the same answers; on PostgreSQL trigram indexes make "contains" fast.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.db.models import Q, QuerySet

from .models import Submission

MAX_WORDS = 5
# At least this many digits make a search term (part of) a phone number.
MIN_PHONE_DIGITS = 4
_PHONE_LIKE = re.compile(r"[\d\s+\-().]+")
_SEPARATORS = re.compile(r"[\s,;]+")


def phone_e164(raw: str, region: str | None = None) -> str:
    """The number in E.164, or "" when it cannot be a phone number in the clinic's region."""
    try:
        number = phonenumbers.parse(raw, region or settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def fold(text: str) -> str:
    """Lowercase without accents: "Sásha" and "SASHA" both become "sasha"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(*, first_name: str, last_name: str, email: str) -> str:
    """The stored text a name or email search looks in."""
    return " ".join(fold(part) for part in (first_name, last_name, email) if part)


def _phone_digits(term: str) -> str:
    digits = re.sub(r"\D", "", term)
    return digits if len(digits) >= MIN_PHONE_DIGITS and _PHONE_LIKE.fullmatch(term) else ""


def search_q(query: str) -> Q:
    """One condition for a search box: a reference, a phone number, or words of names/email.

    A phone number is one term however it is spaced ("+1 555 010 0001", "(555) 010-0001",
    "15550100001", partial "555-0100-01"). Otherwise every word must appear, in any order, with
    or without a comma or accents ("Sample, Sasha" finds Sasha Sample).
    """
    query = query.strip()
    if not query:
        return Q()
    digits = _phone_digits(query)
    if digits:
        condition = Q(phone_e164__contains=digits)
        full = phone_e164(query)
        if full:
            condition |= Q(phone_e164=full)
        return condition | Q(reference=query.upper())
    words = [w for w in _SEPARATORS.split(fold(query)) if w][:MAX_WORDS]
    by_words = Q()
    for word in words:
        by_words &= Q(search_text__contains=word)
    return Q(reference=query.upper()) | by_words


def search_submissions(submissions: QuerySet[Submission], query: str) -> QuerySet[Submission]:
    return submissions.filter(search_q(query))
