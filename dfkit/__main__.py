"""`python -m dfkit`."""

from dfkit.cli import main

raise SystemExit(main())
