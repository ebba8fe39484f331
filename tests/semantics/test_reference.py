"""Image references by the distribution grammar; platforms by containerd's parser."""

from __future__ import annotations

import pytest

from dfkit.semantics import PlatformError, ReferenceError, parse_platform, parse_reference


@pytest.mark.parametrize(
    ("text", "normalized", "familiar"),
    [
        ("debian", "docker.io/library/debian", "debian"),
        ("debian:12-slim", "docker.io/library/debian:12-slim", "debian"),
        ("library/debian", "docker.io/library/debian", "debian"),
        ("index.docker.io/debian", "docker.io/library/debian", "debian"),
        ("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2", "bitnami/redis"),
        ("ghcr.io/owner/img:tag", "ghcr.io/owner/img:tag", "ghcr.io/owner/img"),
        ("localhost/img", "localhost/img", "localhost/img"),
        ("localhost:5000/a/b:1.0", "localhost:5000/a/b:1.0", "localhost:5000/a/b"),
        ("Registry.Example.com/x", "Registry.Example.com/x", "Registry.Example.com/x"),
        ("[::1]:5000/img", "[::1]:5000/img", "[::1]:5000/img"),
        (
            "alpine@sha256:" + "a" * 64,
            "docker.io/library/alpine@sha256:" + "a" * 64,
            "alpine",
        ),
        ("a__b/c-d.e:T_1", "docker.io/a__b/c-d.e:T_1", "a__b/c-d.e"),
    ],
)
def test_valid_references(text: str, normalized: str, familiar: str) -> None:
    ref = parse_reference(text)
    assert str(ref) == normalized
    assert ref.familiar_name == familiar


def test_tag_name_only() -> None:
    assert parse_reference("debian").tagged == "docker.io/library/debian:latest"
    assert parse_reference("debian:12").tagged == "docker.io/library/debian:12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "repository name must have at least one component"),
        ("Debian", "invalid reference format: repository name (library/Debian) must be lowercase"),
        ("debian:", "invalid reference format"),
        ("debian:-bad", "invalid reference format"),
        ("debian:" + "t" * 129, "invalid reference format"),
        ("a//b", "invalid reference format"),
        ("-a", "invalid reference format"),
        ("alpine@sha256:abc", "invalid reference format"),
        ("alpine@sha256:" + "a" * 63, "invalid checksum digest length"),
        ("alpine@md5:" + "a" * 32, "unsupported digest algorithm"),
        ("alpine@sha512:" + "a" * 64, "invalid checksum digest length"),
        ("a" * 64, "invalid repository name (" + "a" * 64 + "), cannot specify 64-byte hexadecimal strings"),
    ],
)
def test_invalid_references(text: str, message: str) -> None:
    with pytest.raises(ReferenceError) as error:
        parse_reference(text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", "linux/amd64"),
        ("linux/arm64/v8", "linux/arm64"),
        ("linux/aarch64", "linux/arm64"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v6"),
        ("Linux/AMD64", "linux/amd64"),
        ("windows/amd64", "windows/amd64"),
        ("arm64", "linux/arm64"),
    ],
)
def test_platforms(text: str, expected: str) -> None:
    assert str(parse_platform(text)) == expected


@pytest.mark.parametrize("text", ["linux/bogus", "plan10/amd64", "linux/amd64/v1/x", "linux//amd64", "linux/*"])
def test_invalid_platforms(text: str) -> None:
    with pytest.raises(PlatformError):
        parse_platform(text)
