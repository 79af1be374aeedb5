"""Helpers shared by the test modules: media writers, checkpoints, small models, the app server.

Test modules import from here (or get fixtures from ``tests/conftest.py``), never from one another.
"""
