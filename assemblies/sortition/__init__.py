"""Stratified random panel selection (sortition). Pure Python, no Django imports."""
