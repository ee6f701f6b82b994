"""Embedded study-area data, installed as the package ``gapmap.embedded``."""
