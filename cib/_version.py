"""cib's version: one leaf module that the package metadata, the manifest and the report read."""

__all__ = ["__version__"]

__version__ = "0.1.0"
