"""Rules of the runtime family."""

from __future__ import annotations

from dfkit.lint.rules.runtime.df501_json_args_recommended import JsonArgsRecommended
from dfkit.lint.rules.runtime.df502_multiple_cmd_instructions import MultipleCmdInstructions
from dfkit.lint.rules.runtime.df503_maintainer_deprecated import MaintainerDeprecated
from dfkit.lint.rules.runtime.df504_workdir_relative import WorkdirRelative
from dfkit.lint.rules.runtime.df505_expose_proto_casing import ExposeProtoCasing
from dfkit.lint.rules.runtime.df506_expose_invalid_format import ExposeInvalidFormat
from dfkit.lint.rules.runtime.df507_expose_invalid_port import ExposeInvalidPort
from dfkit.lint.rules.runtime.df508_non_numeric_user import NonNumericUser
from dfkit.lint.rules.runtime.df509_missing_healthcheck import MissingHealthcheck
from dfkit.lint.rules.runtime.df510_workdir_in_system_directory import WorkdirInSystemDirectory
from dfkit.lint.rules.runtime.df511_invalid_stopsignal import InvalidStopsignal
from dfkit.lint.rules.runtime.df512_entrypoint_shell_form_ignores_cmd import EntrypointShellFormIgnoresCmd
from dfkit.lint.rules.runtime.df513_multiple_entrypoint_instructions import MultipleEntrypointInstructions
from dfkit.lint.rules.runtime.df514_multiple_healthcheck_instructions import MultipleHealthcheckInstructions
from dfkit.lint.rules.runtime.df515_volume_write_discarded import VolumeWriteDiscarded
from dfkit.lint.rules.runtime.df516_shell_form_ignores_shell import ShellFormIgnoresShell
from dfkit.lint.rules.runtime.df517_expose_kept_as_written import ExposeKeptAsWritten

RULES: tuple = (
    JsonArgsRecommended,
    MultipleCmdInstructions,
    MaintainerDeprecated,
    WorkdirRelative,
    ExposeProtoCasing,
    ExposeInvalidFormat,
    ExposeInvalidPort,
    NonNumericUser,
    MissingHealthcheck,
    WorkdirInSystemDirectory,
    InvalidStopsignal,
    EntrypointShellFormIgnoresCmd,
    MultipleEntrypointInstructions,
    MultipleHealthcheckInstructions,
    VolumeWriteDiscarded,
    ShellFormIgnoresShell,
    ExposeKeptAsWritten,
)
