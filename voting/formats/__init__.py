"""Readers and writers for the field's standard files. No Django imports."""
