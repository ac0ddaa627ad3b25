"""Multinations Norsjö community bot."""

__version__ = "0.1.0"
