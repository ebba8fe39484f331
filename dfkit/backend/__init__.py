"""Build backends: real builds of a plan, today through the buildah CLI (`buildah.py`)."""
