"""Shim for Beam's `--setup_file ./setup.py` (ships corpusloop to workers); metadata is in setup.cfg."""

from setuptools import setup

setup()
