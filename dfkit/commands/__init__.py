"""The implementation of each `dfkit` sub-command, imported only when it runs."""
