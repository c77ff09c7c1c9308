//! The deterministic generator of fixtures and county-scale benchmark data.

pub mod inspect;
