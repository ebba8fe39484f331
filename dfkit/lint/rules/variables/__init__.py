"""Rules of the variables family: ARG, ENV and LABEL."""

from __future__ import annotations

from .df201_legacy_key_value_format import LegacyKeyValueFormat
from .df202_undefined_var import UndefinedVar
from .df203_env_self_reference import EnvSelfReference
from .df204_invalid_label_key import InvalidLabelKey
from .df205_missing_label import MissingLabel
from .df206_superfluous_label import SuperfluousLabel
from .df207_empty_label import EmptyLabel
from .df208_label_not_url import LabelNotUrl
from .df209_label_not_rfc3339 import LabelNotRfc3339
from .df210_label_not_spdx import LabelNotSpdx
from .df211_label_not_git_hash import LabelNotGitHash
from .df212_label_not_semver import LabelNotSemver
from .df213_label_not_email import LabelNotEmail
from .df214_unused_arg import UnusedArg
from .df215_unused_build_arg import UnusedBuildArg
from .df216_duplicate_key import DuplicateKey
from .df217_path_overwritten import PathOverwritten
from .df218_invalid_definition_description import InvalidDefinitionDescription

RULES = (
    LegacyKeyValueFormat,
    UndefinedVar,
    EnvSelfReference,
    InvalidLabelKey,
    MissingLabel,
    SuperfluousLabel,
    EmptyLabel,
    LabelNotUrl,
    LabelNotRfc3339,
    LabelNotSpdx,
    LabelNotGitHash,
    LabelNotSemver,
    LabelNotEmail,
    UnusedArg,
    UnusedBuildArg,
    DuplicateKey,
    PathOverwritten,
    InvalidDefinitionDescription,
)
