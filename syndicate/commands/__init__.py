"""Click commands that `syndicate.cli` registers: the CLI layer, split by command.

Like ``cli.py``, these modules print and exit; the stages they call
(``validate``, ``links``, ``status``) never do.
"""
