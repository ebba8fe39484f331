"""Rendering dfkit's results for people and for other tools."""
