"""Shared fixtures: users of each role, clients logged in as them."""
