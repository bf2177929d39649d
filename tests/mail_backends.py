"""Stand-in mail servers for tests: Django's locmem backend that refuses every message."""

from __future__ import annotations

from email.errors import HeaderParseError
from typing import Any

from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    """Fails as the SMTP backend does on an address it cannot put in a header."""

    def send_messages(self, messages: Any) -> int:
        raise HeaderParseError("cannot parse the address of zelda@example.com")
