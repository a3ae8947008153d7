"""Terraform for the lab: the real CLI with a provider override, or the built-in engine.

The built-in engine (``builtin.run``) parses the same ``*.tf`` files once (``hcl``, ``config``),
validates them against the aws provider's schema (``schema``), evaluates them (``expressions``,
``functions``), orders resources (``graph``), plans against a refreshed state (``plan``),
applies through boto3 handlers (``resources``) and writes a v4 state file.
"""
