"""Rules of the stages family: FROM, stage names, base images and references between stages."""

from __future__ import annotations

from .df119_base_image_platform_mismatch import BaseImagePlatformMismatch

RULES = (
    BaseImagePlatformMismatch,
)
