"""Counting rules: pure Python (and NumPy), no Django imports, no I/O.

Each rule is a plain function named after the rule, citing its source in its
docstring, registered so that the names used in files (pabulib META ``rule``,
RCTab settings) map to functions.
"""
