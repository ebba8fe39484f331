"""Rules of the copy family."""

from __future__ import annotations

from dfkit.lint.rules.copy.df401_add_instead_of_copy import AddInsteadOfCopy
from dfkit.lint.rules.copy.df402_copy_dest_not_directory import CopyDestNotDirectory
from dfkit.lint.rules.copy.df403_copy_relative_dest_without_workdir import CopyRelativeDestWithoutWorkdir
from dfkit.lint.rules.copy.df404_add_url_without_checksum import AddUrlWithoutChecksum
from dfkit.lint.rules.copy.df405_copy_ignored_file import CopyIgnoredFile
from dfkit.lint.rules.copy.df406_copy_source_missing import CopySourceMissing
from dfkit.lint.rules.copy.df407_copy_from_variable import CopyFromVariable
from dfkit.lint.rules.copy.df408_copy_source_url import CopySourceUrl

RULES: tuple = (
    AddInsteadOfCopy,
    CopyDestNotDirectory,
    CopyRelativeDestWithoutWorkdir,
    AddUrlWithoutChecksum,
    CopyIgnoredFile,
    CopySourceMissing,
    CopyFromVariable,
    CopySourceUrl,
)
