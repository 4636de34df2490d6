"""The library's version, in one place: setuptools reads it from here, and reports record it."""

__version__ = "0.1.0"
