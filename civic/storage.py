"""Static files storage: WhiteNoise's compressed manifest storage, with each file's URL worked out once.

Every page links five static files (``templates/base.html``), and the manifest storage re-derives each
URL on every ``{% static %}`` (parse the name, look the hashed name up in the manifest, quote, join to
``STATIC_URL``). The manifest is read once when the server starts and collectstatic does not run inside
a serving process, so a name's URL cannot change while the process lives. With DEBUG on (no manifest,
files served from the source folders) nothing is remembered.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url(self, name: str | None, force: bool = False) -> str:
        if force or settings.DEBUG or name is None:
            return super().url(name, force)
        urls: dict[str, str] = self.__dict__.setdefault("_urls", {})
        url = urls.get(name)
        if url is None:
            url = urls[name] = super().url(name)
        return url

    def post_process(self, *args: Any, **kwargs: Any) -> Any:
        # collectstatic: the manifest is being rewritten, so nothing remembered before may stand.
        self.__dict__.pop("_urls", None)
        yield from super().post_process(*args, **kwargs)
        self.__dict__.pop("_urls", None)
