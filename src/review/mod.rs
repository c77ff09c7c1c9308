//! The land reviewer's workflow: validate, overlay rules, land classes, sheets, report.

pub mod land_class;
pub mod sheet;
