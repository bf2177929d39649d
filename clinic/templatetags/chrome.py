"""The parts every page shares."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

FOOTER_CONTEXT = ("clinic_name", "clinic_phone", "emergency_number", "emergency_tel")


@register.simple_tag(takes_context=True)
def site_footer(context: template.Context) -> SafeString:
    """The footer, rendered once per language and clinic details (from settings, through the
    context processor) and then reused: every page of every intake ends with it."""
    return _footer(get_language(), *(str(context.get(name) or "") for name in FOOTER_CONTEXT))


@lru_cache(maxsize=64)
def _footer(language: str | None, *values: Any) -> SafeString:
    return render_to_string("includes/footer.html", dict(zip(FOOTER_CONTEXT, values, strict=True)))
