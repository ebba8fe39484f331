"""Semantics: what a real build computes from a Dockerfile, computed once per file.

* `expand_word` / `split_words`: BuildKit's word expansion (`ExpansionError` on failure);
* `analyze`: ARG and ENV scopes, stages, their bases and edges, the target and what it
  needs, every instruction's expanded operands, and the problems found, as data;
* `parse_reference`: image references by the distribution grammar.
"""

from dfkit.semantics.analyze import analyze, resolve_dest, resolve_workdir
from dfkit.semantics.expand import ExpansionError, expand_word, split_words
from dfkit.semantics.model import DEFAULT_PATH, ArgBinding, Issue, Semantics, StageInfo, Step
from dfkit.semantics.platforms import Platform, PlatformError, parse_platform
from dfkit.semantics.reference import ImageRef, ReferenceError, parse_reference

__all__ = [
    "DEFAULT_PATH", "ArgBinding", "ExpansionError", "ImageRef", "Issue", "Platform", "PlatformError",
    "ReferenceError", "Semantics", "StageInfo", "Step", "analyze", "expand_word", "parse_platform",
    "parse_reference", "resolve_dest", "resolve_workdir", "split_words",
]
