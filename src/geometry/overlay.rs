//! Exact overlay (intersection / difference) areas.
