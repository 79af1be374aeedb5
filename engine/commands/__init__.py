"""One module a ``python -m engine`` command (see engine/__main__.py)."""
