"""Printable names, in Chinese and English: the one label table of every report and command.

Every table maps a code (a status, a role, a column name…) to ``(中文, English)``.  The
reports, the terminal tables of ``layers``, ``areas``, ``overlaps`` and ``stats`` and the
Word 核查表 all take their words from here, so Chinese output holds no English left over.

The table is kept by domain — the names of codes (statuses, roles, methods, units …) in
:mod:`ecospace._labels_codes`, the words of the reports in :mod:`ecospace._labels_report`,
those of the commands' terminal output in :mod:`ecospace._labels_terminal` — and every
word is imported from here.
"""

from __future__ import annotations

# the private tables and helpers the renderers read stay importable from here (X as X)
from ecospace._labels_codes import _DENOMINATORS as _DENOMINATORS
from ecospace._labels_codes import _KINDS as _KINDS
from ecospace._labels_codes import _MEASURES as _MEASURES
from ecospace._labels_codes import _ROLES as _ROLES
from ecospace._labels_codes import _SEVERITY as _SEVERITY
from ecospace._labels_codes import _STATUS as _STATUS
from ecospace._labels_codes import (
    AUDIT_KINDS,
    METHOD_SHORT,
    OVERLAP_STATUS,
    Lang,
    method_label,
    overlap_status,
    role_label,
    township_kind,
    unit_label,
)
from ecospace._labels_codes import _i as _i
from ecospace._labels_codes import _lookup as _lookup
from ecospace._labels_report import _COLUMNS as _COLUMNS
from ecospace._labels_report import _TEXT as _TEXT
from ecospace._labels_report import _col_label as _col_label
from ecospace._labels_report import _t as _t
from ecospace._labels_report import reason_label, township_note
from ecospace._labels_terminal import _TERMS as _TERMS
from ecospace._labels_terminal import (
    crs_how_label,
    found_label,
    found_word,
    problem_label,
    term,
    term_or,
)

__all__ = [
    "AUDIT_KINDS",
    "METHOD_SHORT",
    "OVERLAP_STATUS",
    "Lang",
    "crs_how_label",
    "found_label",
    "found_word",
    "method_label",
    "overlap_status",
    "problem_label",
    "reason_label",
    "role_label",
    "term",
    "term_or",
    "township_kind",
    "township_note",
    "unit_label",
]
