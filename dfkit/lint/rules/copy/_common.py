"""COPY and ADD sources as the builder sees them: inline files, URLs, git refs, local paths.

`sources` expands each source word where the builder does; a source whose value a lint
cannot know (`RuleContext.known_value`) is a local path with `value=None`, which rules
leave alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dfkit.buildcontext import BuildContext, has_wildcards
from dfkit.lint.context import RuleContext
from dfkit.semantics.analyze import is_git_ref, is_http_source
from dfkit.syntax import ast

SourceKind = Literal["heredoc", "url", "git", "local"]

# hadolint's DL3020 list: names ADD may extract (BuildKit decides by content).
ARCHIVE_SUFFIXES = (
    ".tar", ".gz", ".bz2", ".xz", ".zip", ".tgz", ".tb2", ".tbz", ".tbz2", ".lz", ".lzma", ".tlz",
    ".txz", ".Z", ".tZ",
)
# What BuildKit's decompressor recognises: gzip, bzip2, xz, zstd.
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


@dataclass(frozen=True)
class Source:
    word: ast.Word
    kind: SourceKind
    value: str | None  # expanded; None when it cannot be known


def reads_context(node: ast.Copy | ast.Add) -> bool:
    """Whether the local sources come from the build context (not `COPY --from`)."""
    return isinstance(node, ast.Add) or node.flag("from") is None


def sources(ctx: RuleContext, node: ast.Copy | ast.Add) -> Iterator[Source]:
    heredoc_spans = {heredoc.span.start for heredoc in node.heredocs}
    for word in node.sources:
        if word.span.start in heredoc_spans:
            yield Source(word, "heredoc", word.value)
            continue
        value = ctx.known_value(node, word.value)
        if value is None:
            yield Source(word, "local", None)
        elif is_git_ref(value):
            yield Source(word, "git", value)
        elif is_http_source(value):
            yield Source(word, "url", value)
        else:
            yield Source(word, "local", value)


def listed_context(ctx: RuleContext, node: ast.Copy | ast.Add) -> BuildContext | None:
    """The build context whose files `node` reads, when its listing can be trusted.

    None inside ONBUILD (the trigger reads a later build's context), for `COPY --from`,
    and when dfkit only supposes the Dockerfile's directory is the context.
    """
    context = ctx.build_context
    if context is None or not context.explicit or ctx.in_onbuild or not reads_context(node):
        return None
    return context


def context_matches(context: BuildContext, source: str) -> list[str]:
    """The context paths a local source selects, .dockerignore applied."""
    relative = context.relative(source)
    if has_wildcards(relative):
        return [path for path in context.glob(relative) if not context.ignored(path)]
    if context.exists(relative) and not context.ignored(relative):
        return [relative]
    return []


def looks_like_archive(name: str) -> bool:
    return name.endswith(ARCHIVE_SUFFIXES)


def is_archive_file(path: Path) -> bool:
    """Whether ADD would try to extract this file: compressed, or a tar header.

    BuildKit decompresses and then reads a tar header; a compressed file that is not a
    tar stream is copied as it is, which this check (reading no more than a header)
    counts as an archive all the same.
    """
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError:
        return True  # unreadable: cannot prove it is not an archive
    if head.startswith(_COMPRESSED_MAGIC):
        return True
    return len(head) == 512 and _tar_checksum_ok(head)


def _tar_checksum_ok(header: bytes) -> bool:
    """A tar header (any format, v7 included) carries the sum of its bytes at 148."""
    field = header[148:156].split(b"\0", 1)[0].strip()
    try:
        recorded = int(field, 8)
    except ValueError:
        return False
    computed = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
    return recorded == computed
