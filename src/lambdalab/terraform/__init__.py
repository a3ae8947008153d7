"""Terraform for the lab: the real CLI with a provider override, or the built-in engine.

The built-in engine (``builtin.run``) reads the same ``*.tf`` files with python-hcl2, evaluates
them (``expressions``, ``functions``), orders resources (``graph``), plans against a refreshed
state (``plan``), applies through boto3 handlers (``resources``) and writes a v4 state file.
"""
