//! The registry: one line per source kind. Everything that lists source kinds — the kinds
//! `wtmap check` accepts, what completion offers, what `wtmap schema` prints, the record shape
//! a kind is read with, which kinds fetch live — derives from these two lists.
//!
//! Adding a connector: a folder `connectors/<kind>/` (its [`Connector`] descriptor, fetch,
//! settings and field schema in `fields.rs`, its wire facts in `WIRE.md`), one line in
//! [`CONNECTORS`], an example mapping under `mappings/` and docs (CONTRIBUTING.md lists them).

use super::files;
use super::{Connector, flex, personio, worknice};
use crate::schema::SourceKind;

/// Every live source kind (an HR system's API), each defined in its own folder. The order is
/// the one messages list them in.
pub const CONNECTORS: &[Connector] = &[personio::CONNECTOR, flex::CONNECTOR, worknice::CONNECTOR];

/// The file source kinds: records read from a file of that format, every field declared.
pub(crate) const FILE_KINDS: &[fn() -> SourceKind] =
    &[files::csv, files::json, files::ndjson, files::yaml];
