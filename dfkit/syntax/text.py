"""Go's character semantics, as BuildKit's parser sees text.

BuildKit is written in Go, and several of its decisions hinge on Go's standard library:
`unicode.IsSpace` (which differs from Python's `str.isspace`), `strings.TrimSpace`,
`strings.ToLower` (which maps U+0130 and the Kelvin sign to ASCII letters) and
`strconv.Quote` (the quoting of its AST dump). They live here, once.
"""

from __future__ import annotations

# unicode.IsSpace: '\t', '\n', '\v', '\f', '\r', ' ', U+0085 (NEL), U+00A0 (NBSP) and the
# Unicode White_Space characters of category Z. Python's str.isspace() also says yes to
# U+001C..U+001F, which Go does not treat as space.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# The same set as a regular-expression character class body.
GO_SPACE_CLASS = (
    r"\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
# BuildKit's `reWhitespace` / `tokenWhitespace`: the ASCII separators of words.
ASCII_SPACE = frozenset("\t\v\f\r ")

# Bytes that were not valid UTF-8 are decoded as lone surrogates U+DC80..U+DCFF.
_ESCAPED_BYTE_LOW = 0xDC80
_ESCAPED_BYTE_HIGH = 0xDCFF


def is_go_space(ch: str) -> bool:
    return ch in GO_SPACE


def trim_space_bounds(text: str, start: int = 0, end: int | None = None) -> tuple[int, int]:
    """Bounds of `text[start:end]` after Go's `strings.TrimSpace`."""
    if end is None:
        end = len(text)
    while start < end and text[start] in GO_SPACE:
        start += 1
    while end > start and text[end - 1] in GO_SPACE:
        end -= 1
    return start, end


def go_trim_space(text: str) -> str:
    start, end = trim_space_bounds(text)
    return text[start:end]


def go_lstrip(text: str) -> str:
    start, _ = trim_space_bounds(text, 0, len(text))
    return text[start:] if start else text


def go_lower(text: str) -> str:
    """`strings.ToLower`: one rune to one rune (U+0130 becomes plain ``i``)."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        if ch == "\u0130":
            out.append("i")
            continue
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def replace_escaped_bytes(text: str, replacement: str = "\ufffd") -> str:
    """Replace bytes that were not valid UTF-8 (and any other lone surrogate)."""
    if text.isascii():
        return text
    return "".join(replacement if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


_QUOTE_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def goquote(text: str) -> str:
    """Go's `strconv.Quote`, including ``\\xNN`` for bytes that are not UTF-8."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = ['"']
    for ch in text:
        esc = _QUOTE_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
            continue
        code = ord(ch)
        if _ESCAPED_BYTE_LOW <= code <= _ESCAPED_BYTE_HIGH:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            # Go cannot hold a lone surrogate in a string: it would be U+FFFD.
            out.append("\ufffd")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def latin1_view(text: str) -> str:
    """The UTF-8 bytes of `text`, one character per byte.

    BuildKit's flag extractor walks bytes and re-encodes each byte as a rune, so a
    non-ASCII flag value comes out of its dump doubly encoded (``é`` as ``Ã©``).
    The dump reproduces that; the AST keeps the text as written.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")
