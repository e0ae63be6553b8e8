"""Sanctions and export-control lists as versioned workspace data.

Readers (one module per publisher format) turn a list file into one in-memory
form (:mod:`tradetrace.lists.model`); :mod:`tradetrace.lists.store` writes a
version of it into the workspace tables of :mod:`tradetrace.lists.tables`,
and :mod:`tradetrace.lists.diff` compares two versions. Formats are detected
from file names and content by :mod:`tradetrace.lists.readers`.
"""
