//! The deterministic generator of fixtures and county-scale benchmark data.

pub mod frame;
pub mod known;
pub mod rng;
pub mod txt_out;
