//! The deterministic generator of fixtures and county-scale benchmark data.
