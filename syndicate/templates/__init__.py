"""Jinja2 templates (package data: ``*.j2``); a package so setuptools ships them."""
