"""Rules of the security family."""

from __future__ import annotations

from .df601_secret_in_arg_or_env import SecretInArgOrEnv
from .df602_tls_verification_disabled import TlsVerificationDisabled
from .df603_ssh_port_exposed import SshPortExposed
from .df604_runs_as_root import RunsAsRoot
from .df605_user_not_set import UserNotSet
from .df606_hardcoded_credential import HardcodedCredential

RULES = (
    SecretInArgOrEnv,
    TlsVerificationDisabled,
    SshPortExposed,
    RunsAsRoot,
    UserNotSet,
    HardcodedCredential,
)
