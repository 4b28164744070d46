"""Entity parsing for ``parse_mode``: turn marked-up text into (plain text, entities).

Telegram rejects malformed markup with ``400 can't parse entities``; that is one of the most
common bot bugs (unescaped user input inside HTML, a bare "." in MarkdownV2), so the fake
server checks it. The parsers are deliberately small: they accept what Telegram accepts for
the usual cases and produce the same error *kinds*, not byte-exact Telegram errors for every
corner case. Legacy ``Markdown`` is passed through unparsed.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

from .errors import ApiError, bad_request
from .models import JSON

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_len(text: str) -> int:
    """Telegram entity offsets/lengths are in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


class _EntityHtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        # Character references are decoded in handle_*ref so that handle_data only ever sees
        # raw source text, where a "<" really is an unescaped "<".
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.parts: list[str] = []
        self.entities: list[JSON] = []
        self._offset = 0  # UTF-16 length of the plain text so far
        self._stack: list[tuple[str, int, dict[str, str | None]]] = []

    def _byte_offset(self, extra_chars: int = 0) -> int:
        line, col = self.getpos()
        char_index = self._line_starts[line - 1] + col + extra_chars
        return len(self._source[:char_index].encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        allowed = tag in _HTML_ENTITY_TYPES
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            allowed = False
        if not allowed:
            raise _cant_parse(
                f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        if tag == "a" and not attributes.get("href"):
            raise _cant_parse(f"Can't find href in a tag at byte offset {self._byte_offset()}")
        self._stack.append((tag, self._offset, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _cant_parse(f'Unsupported start tag "{tag}/" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            raise _cant_parse(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, start, attributes = self._stack.pop()
        if open_tag != tag:
            raise _cant_parse(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self._offset - start
        if length == 0:
            return  # Telegram drops empty entities
        entity: JSON = {"type": _HTML_ENTITY_TYPES[tag], "offset": start, "length": length}
        if tag == "a":
            entity["url"] = attributes.get("href")
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "code" and self._stack and self._stack[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                # <pre><code class="language-x"> is one pre entity with a language
                self._stack[-1][2]["language"] = language
                return
        elif tag == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        position = data.find("<")
        if position >= 0:
            # html.parser passes an unparseable "<" through as text; Telegram rejects it.
            raise _cant_parse(
                f'Unsupported start tag "" at byte offset {self._byte_offset(position)}'
            )
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._append(html.unescape(f"&#{name};"))

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self._offset += utf16_len(text)

    def finish(self) -> tuple[str, list[JSON]]:
        self.close()
        if self._stack:
            tag = self._stack[-1][0]
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def parse_html(text: str) -> tuple[str, list[JSON]]:
    parser = _EntityHtmlParser(text)
    parser.feed(text)
    return parser.finish()


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """MarkdownV2: escapes, bold/italic/underline/strike/spoiler, code, pre, links."""
    out: list[str] = []
    entities: list[JSON] = []
    stack: list[tuple[str, int]] = []  # (marker, utf16 offset)
    link_start: int | None = None
    offset = 0
    i = 0
    n = len(text)

    def emit(chunk: str) -> None:
        nonlocal offset
        out.append(chunk)
        offset += utf16_len(chunk)

    def byte_at(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    while i < n:
        char = text[i]
        if char == "\\":
            if i + 1 < n:
                emit(text[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _find_unescaped(text, fence, i + len(fence))
            if end < 0:
                kind = "Pre" if fence == "```" else "Code"
                raise _cant_parse(f"Can't find end of {kind} entity at byte offset {byte_at(i)}")
            body = text[i + len(fence) : end]
            language = ""
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            body = _unescape(body)
            start = offset
            emit(body)
            if body:
                entity: JSON = {
                    "type": "pre" if fence == "```" else "code",
                    "offset": start,
                    "length": offset - start,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = end + len(fence)
            continue
        marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") else char
        if marker in _MD2_MARKERS:
            if stack and stack[-1][0] == marker:
                opened, start = stack.pop()
                if offset > start:
                    entities.append(
                        {"type": _MD2_MARKERS[opened], "offset": start, "length": offset - start}
                    )
            elif any(m == marker for m, _ in stack):
                raise _cant_parse(f"Can't parse entities at byte offset {byte_at(i)}")
            else:
                stack.append((marker, offset))
            i += len(marker)
            continue
        if char == "[" and link_start is None:
            link_start = offset
            i += 1
            continue
        if char == "]" and link_start is not None:
            if not text.startswith("(", i + 1):
                raise _cant_parse(f"Can't find end of a URL at byte offset {byte_at(i)}")
            close = _find_unescaped(text, ")", i + 2)
            if close < 0:
                raise _cant_parse(f"Can't find end of a URL at byte offset {byte_at(i)}")
            url = _unescape(text[i + 2 : close])
            if offset > link_start:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": link_start,
                        "length": offset - link_start,
                        "url": url,
                    }
                )
            link_start = None
            i = close + 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote line marker; the entity itself is not tracked
            continue
        if char in _MD2_RESERVED:
            raise _cant_parse(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1
    if stack:
        name = _MD2_MARKERS[stack[-1][0]].capitalize()
        raise _cant_parse(f"Can't find end of {name} entity at byte offset {len(text.encode())}")
    if link_start is not None:
        raise _cant_parse(f"Can't find end of TextUrl entity at byte offset {len(text.encode())}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _find_unescaped(text: str, needle: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def render(
    text: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON] | None]:
    """(plain text, entities) for a text/caption as Telegram would store it."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode in ("", "markdown"):
        return text, entities or None
    raise bad_request(f'unsupported parse_mode "{parse_mode}"')
