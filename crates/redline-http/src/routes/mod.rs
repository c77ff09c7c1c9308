//! The routes, one module per feature.

pub mod accounts;
pub mod inspections;
pub mod layers;
pub mod ledger;
pub mod ops;
pub mod reviews;
pub mod tiles;
pub mod web;
