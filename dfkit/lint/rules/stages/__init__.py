"""Rules of the stages family: FROM, stage names, base images and references between stages."""

from __future__ import annotations

from .df101_untagged_base_image import UntaggedBaseImage
from .df102_latest_tag import LatestTag
from .df103_untrusted_registry import UntrustedRegistry
from .df104_from_as_casing import FromAsCasing
from .df105_stage_name_casing import StageNameCasing
from .df106_duplicate_stage_name import DuplicateStageName
from .df107_reserved_stage_name import ReservedStageName
from .df108_invalid_stage_name import InvalidStageName
from .df109_from_platform_constant import FromPlatformConstant
from .df111_redundant_target_platform import RedundantTargetPlatform
from .df112_undefined_arg_in_from import UndefinedArgInFrom
from .df113_invalid_default_arg_in_from import InvalidDefaultArgInFrom
from .df114_invalid_base_image import InvalidBaseImage
from .df115_unknown_stage_reference import UnknownStageReference
from .df116_copy_from_own_stage import CopyFromOwnStage
from .df117_invalid_stage_reference import InvalidStageReference
from .df118_unused_stage import UnusedStage
from .df119_base_image_platform_mismatch import BaseImagePlatformMismatch
from .df120_copy_whole_filesystem import CopyWholeFilesystem
from .df121_copy_from_untagged_image import CopyFromUntaggedImage
from .df122_unreachable_stage import UnreachableStage

RULES = (
    UntaggedBaseImage,
    LatestTag,
    UntrustedRegistry,
    FromAsCasing,
    StageNameCasing,
    DuplicateStageName,
    ReservedStageName,
    InvalidStageName,
    FromPlatformConstant,
    RedundantTargetPlatform,
    UndefinedArgInFrom,
    InvalidDefaultArgInFrom,
    InvalidBaseImage,
    UnknownStageReference,
    CopyFromOwnStage,
    InvalidStageReference,
    UnusedStage,
    BaseImagePlatformMismatch,
    CopyWholeFilesystem,
    CopyFromUntaggedImage,
    UnreachableStage,
)
