"""Rules of the syntax family."""

from __future__ import annotations

from .df001_parse_error import ParseError
from .df002_unknown_instruction import UnknownInstruction
from .df003_invalid_arguments import InvalidArguments
from .df004_invalid_flag import InvalidFlag
from .df005_invalid_flag_value import InvalidFlagValue
from .df006_instruction_before_from import InstructionBeforeFrom
from .df007_forbidden_onbuild_trigger import ForbiddenOnbuildTrigger
from .df008_keyword_not_uppercase import KeywordNotUppercase
from .df009_inconsistent_instruction_casing import InconsistentInstructionCasing
from .df010_empty_continuation import EmptyContinuation
from .df011_expansion_error import ExpansionError
from .df090_unused_suppression import UnusedSuppression
from .df091_unknown_rule_in_suppression import UnknownRuleInSuppression
from .df092_inline_suppression import InlineSuppression

RULES = (
    ParseError,
    UnknownInstruction,
    InvalidArguments,
    InvalidFlag,
    InvalidFlagValue,
    InstructionBeforeFrom,
    ForbiddenOnbuildTrigger,
    KeywordNotUppercase,
    InconsistentInstructionCasing,
    EmptyContinuation,
    ExpansionError,
    UnusedSuppression,
    UnknownRuleInSuppression,
    InlineSuppression,
)
