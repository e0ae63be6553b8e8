"""Detectors: one module per red flag, registered through an entry-point group."""
