//! # redline
//!
//! Spatial checks for the officials of Jingdezhen (景德镇市), Jiangxi:
//!
//! * **Parcel review** ([`review`]): a county land reviewer checks homestead parcels (宅基地)
//!   from the ministry's coordinate TXT files or shapefiles against permanent basic farmland,
//!   the ecological protection red line, geological-hazard areas, the land-use survey and the
//!   village plan, with exact areas per land class.
//! * **Green Shield inspection** ([`inspect`], [`ledger`]): the 绿盾 joint team places
//!   remote-sensing clues in nature reserves and functional zones and keeps the rectification
//!   ledger until every issue is closed out.
//!
//! The same library is served over HTTP by the `redline-http` crate (`redline serve`); the
//! [`storage`] module holds what the service and the ledger keep.
//!
//! Data flows one way: [`formats`] read files → [`crs`] reprojects once into the working CRS →
//! [`layer`] indexes → [`review`] / [`inspect`] check → reports and the [`ledger`].

#![warn(missing_docs)]

pub mod accounts;
pub mod config;
pub mod crs;
pub mod error;
pub mod finding;
pub mod formats;
pub mod geometry;
pub mod inspect;
pub mod layer;
pub mod ledger;
pub mod parcel;
pub mod review;
pub mod storage;
pub mod tiles;

pub use error::{Error, Result};
pub use finding::{Finding, FindingCode, Severity};
pub use parcel::{BoundaryPoint, Parcel, Ring};
