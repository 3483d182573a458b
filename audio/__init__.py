"""Capture, the sealed encrypted container, keys, the vault, export and verification."""
