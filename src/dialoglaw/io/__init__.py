"""Readers and writers: JSON Lines (nested model), CSV and Parquet (flat layout).

Readers yield, per input row, either a dict in the nested model or a
:class:`~dialoglaw.batch.RowError` for a row that could not be parsed — never skipping a
row. Writers take :class:`~dialoglaw.batch.BatchResult` objects and write one row per
contact. Parquet needs the ``parquet`` extra (pyarrow).
"""

from __future__ import annotations

from dialoglaw.io.files import (
    DELIMITERS,
    FORMATS,
    read_contacts,
    read_flat_csv,
    read_flat_csv_batches,
    read_flat_parquet_batches,
    result_columns,
    result_record,
    sniff_delimiter,
    write_frames,
    write_results,
)
from dialoglaw.io.flat import FLAT_CHANNELS, exact_flat_row, flat_columns, flat_to_nested, nested_to_flat

__all__ = [
    "DELIMITERS",
    "FLAT_CHANNELS",
    "FORMATS",
    "exact_flat_row",
    "flat_columns",
    "flat_to_nested",
    "nested_to_flat",
    "read_contacts",
    "read_flat_csv",
    "read_flat_csv_batches",
    "read_flat_parquet_batches",
    "result_columns",
    "result_record",
    "sniff_delimiter",
    "write_frames",
    "write_results",
]
