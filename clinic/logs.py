"""Logging helpers: the request id on every log line; no email address, link token or query
string in log lines or error reports."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Patient links carry a signed token in the path: whoever reads a log line must not be able to
# book, cancel or resume with it.
LINK_TOKEN = re.compile(
    r"(/(?:consult/book|consult/appointment|intake/resume|care/plan|care/check|care/progress)/)[^/\s\"'?#]+"
)

_formatter = logging.Formatter()


def mask(text: str) -> str:
    """The text with email addresses and link tokens replaced by placeholders."""
    return LINK_TOKEN.sub(r"\1[token]", EMAIL.sub("[email]", text))


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, and masks email addresses and link tokens in the
    message and in the exception text (an SMTP error names the address it refused).

    Code logs ids and codes only; the mask is a last line of defence, not the policy.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record is logged as it is
            return True
        masked = mask(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format it once here, masked.
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class NoRequestDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports keep the traceback and the path, never form data, cookies or local values."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        for key in ("HTTP_COOKIE", "QUERY_STRING", "HTTP_REFERER"):
            if key in meta:
                meta[key] = self.cleansed_substitute
        for key in ("PATH_INFO", "REQUEST_URI", "RAW_URI"):
            if isinstance(meta.get(key), str):
                meta[key] = mask(meta[key])
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


class _MaskedPath:
    """The request as an error report shows it: the path with link tokens masked."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.path = mask(request.path)
        self.path_info = mask(request.path_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class CleanExceptionReporter(ExceptionReporter):
    """Error reports (the mail to ADMINS) without query strings (a queue search holds a name),
    link tokens or email addresses in the exception text."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None:
            data["request"] = _MaskedPath(self.request)
            # Django's own URI adds the query string; this one is the path alone.
            data["request_insecure_uri"] = mask(
                f"{self.request.scheme}://{self.request.META.get('HTTP_HOST', '')}"
                f"{self.request.path}"
            )
            data["request_GET_items"] = [
                (key, self.filter.cleansed_substitute) for key in self.request.GET
            ]
        if data.get("exception_value"):
            data["exception_value"] = mask(str(data["exception_value"]))
        return data
