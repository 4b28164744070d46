"""Decoding Bot API request parameters the way Telegram does.

PTB (telegram/request/_requestparameter.py) sends every parameter as a form field: strings
as-is, everything else ``json.dumps``-ed (ints -> "123", bools -> "true", objects -> JSON).
It uses ``application/x-www-form-urlencoded`` and switches to ``multipart/form-data`` when a
file is uploaded; other clients may send ``application/json`` bodies or query strings. Values
are therefore decoded lazily by typed accessors, so a text that merely *looks* like JSON
(e.g. ``"[1]"``) is never mangled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request


@dataclass(slots=True, frozen=True)
class UploadedPart:
    """A file part from a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to one request's parameters; raises ApiError(400) on bad values."""

    __slots__ = ("_raw", "files")

    def __init__(self, raw: dict[str, Any], files: dict[str, UploadedPart] | None = None) -> None:
        self._raw = raw
        self.files = files or {}

    def __contains__(self, key: str) -> bool:
        return key in self._raw or key in self.files

    def raw(self, key: str) -> Any:
        return self._raw.get(key)

    def get_str(self, key: str) -> str | None:
        value = self._raw.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def get_int(self, key: str) -> int | None:
        value = self._raw.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f'field "{key}" must be a valid Number') from None

    def req_int(self, key: str, missing: str) -> int:
        value = self.get_int(key)
        if value is None:
            raise bad_request(missing)
        return value

    def get_float(self, key: str) -> float | None:
        value = self._raw.get(key)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{key}" must be a valid Number') from None

    def get_bool(self, key: str) -> bool:
        value = self._raw.get(key)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_obj(self, key: str) -> Any:
        """A JSON object/array parameter (reply_markup, commands, scope, entities, ...)."""
        value = self._raw.get(key)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        return value

    def chat_id(self, key: str = "chat_id") -> int | str:
        """Integer chat id, or an ``@username`` string; Telegram's error if missing."""
        value = self._raw.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value)
        try:
            return int(text)
        except ValueError:
            return text

    def input_file(self, key: str) -> UploadedPart | str | None:
        """An uploaded part (direct or via ``attach://name``), else the file_id/URL string."""
        part = self.files.get(key)
        if part is not None:
            return part
        value = self.get_str(key)
        if value is not None and value.startswith("attach://"):
            attached = self.files.get(value[len("attach://") :])
            if attached is None:
                raise bad_request(f"file for {key} not found in the request")
            return attached
        return value


async def parse_params(request: web.Request) -> Params:
    """Merge query string and body (form, multipart or JSON) into a Params."""
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    files: dict[str, UploadedPart] = {}
    if not request.body_exists:
        return Params(raw, files)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if isinstance(body, dict):
            raw.update(body)
        return Params(raw, files)
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedPart(value.filename, value.content_type, value.file.read())
                value.file.close()
            elif isinstance(value, str):
                raw[key] = value
            else:
                raw[key] = bytes(value).decode("utf-8", "replace")
    return Params(raw, files)
