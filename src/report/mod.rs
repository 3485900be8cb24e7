//! Reports (terminal, JSON, CSV) from an analysis.
