"""The build loop simulation: Dockerfile -> layer graph (pydantic IR), and context hashing."""
