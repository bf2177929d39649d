"""Logging helpers: the request id on every log line, and error reports without request data."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, and masks anything shaped like an email address.

    Code logs ids and codes only; the mask is a last line of defence, not the policy.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record is logged as it is
            return True
        if EMAIL.search(message):
            record.msg = EMAIL.sub("[email]", message)
            record.args = None
        return True


class NoRequestDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports keep the traceback and the path, never form data, cookies or local values."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        for key in ("HTTP_COOKIE", "QUERY_STRING"):
            if key in meta:
                meta[key] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        # Local variables hold answers and contact details (`answers`, `form`, ...): keep only
        # their names and types.
        return [
            (name, f"{self.cleansed_substitute} ({type(value).__name__})")
            for name, value in tb_frame.f_locals.items()
        ]

    def is_active(self, request: HttpRequest | None) -> bool:
        # Also under DEBUG: developers see tracebacks, not patients' answers.
        return True
