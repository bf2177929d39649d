"""Static files storage for production: whitenoise's compressed manifest, with each URL worked
out once per process."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """`{% static %}` runs several times on every page (stylesheets, icons, scripts) and each
    call cleaned, split and looked up the name afresh; the manifest never changes while the
    process runs, so a name's URL is kept after its first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
