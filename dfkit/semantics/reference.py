"""Image references as the distribution library reads them (`ParseNormalizedNamed`).

``[registry[:port]/]path[:tag][@digest]``: a single name gets the default registry
(``docker.io``) and the ``library/`` prefix, ``index.docker.io`` means ``docker.io``, the
repository must be lower case, a tag is at most 128 word characters, a digest names a
known algorithm with the right number of hex digits. ``scratch`` is not a reference but
the empty image; callers check for it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
NAME_TOTAL_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_ANCHORED_ID = re.compile(r"[a-f0-9]{64}", re.ASCII)
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_DIGEST_ALGORITHM = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*", re.ASCII)


class ReferenceError(ValueError):
    """An image reference the distribution library would refuse; message as it says."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    domain: str
    path: str  # repository path inside the registry, e.g. "library/debian"
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """`docker.io/library/debian` as people write it: `debian`."""
        path = self.path
        if self.domain == DEFAULT_DOMAIN:
            if path.startswith(OFFICIAL_PREFIX) and path.count("/") == 1:
                path = path[len(OFFICIAL_PREFIX) :]
            return path
        return f"{self.domain}/{path}"

    def __str__(self) -> str:
        text = self.repository
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def tagged(self) -> str:
        """`TagNameOnly`: the reference with ``:latest`` when it has neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return f"{self.repository}:latest"
        return str(self)


def _split_domain(name: str) -> tuple[str, str]:
    slash = name.find("/")
    head = name[:slash] if slash >= 0 else ""
    if slash < 0 or (not any(c in head for c in ".:") and head != "localhost" and head.lower() == head):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = head, name[slash + 1 :]
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def _check_digest(digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    if not _DIGEST_ALGORITHM.fullmatch(algorithm) or not encoded:
        raise ReferenceError("invalid checksum digest format")
    expected = _DIGEST_LENGTHS.get(algorithm)
    if expected is None:
        raise ReferenceError("unsupported digest algorithm")
    if len(encoded) != expected or not re.fullmatch(r"[a-f0-9]+", encoded):
        raise ReferenceError("invalid checksum digest length" if len(encoded) != expected else "invalid checksum digest format")


def parse_reference(text: str) -> ImageRef:
    """Parse and normalise an image reference, or raise `ReferenceError`."""
    if _ANCHORED_ID.fullmatch(text):
        raise ReferenceError(f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    domain, remainder = _split_domain(text)
    remote = remainder.split(":", 1)[0] if ":" in remainder else remainder
    remote = remote.split("@", 1)[0]
    if remote.lower() != remote:
        raise ReferenceError(f"invalid reference format: repository name ({remote}) must be lowercase")
    full = f"{domain}/{remainder}"
    match = _REFERENCE.fullmatch(full)
    if match is None:
        if not text:
            raise ReferenceError("repository name must have at least one component")
        if _REFERENCE.fullmatch(full.lower()):
            raise ReferenceError("repository name must be lowercase")
        raise ReferenceError("invalid reference format")
    name, tag, digest = match.group(1), match.group(2), match.group(3)
    if len(name) > NAME_TOTAL_MAX:
        raise ReferenceError(f"repository name must not be more than {NAME_TOTAL_MAX} characters")
    if digest is not None:
        _check_digest(digest)
    domain, _, path = name.partition("/")
    return ImageRef(domain=domain, path=path, tag=tag, digest=digest)
