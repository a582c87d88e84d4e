//! Schemas as data: what each source kind's records look like and which settings it takes,
//! and which attributes the Winningtemp target has. The checker reads these tables; the
//! connectors read the same settings and date formats, so the two cannot drift apart.

mod flex;
mod personio;
pub mod scim;
pub mod settings;
pub mod sources;
pub mod target;
pub mod units;
mod worknice;

pub use settings::{SettingDef, SettingType};
pub use sources::{FieldDef, SourceKind, source_kind, source_kinds};
pub use target::{AttributeDef, TargetKind, attribute, attributes, target_kind, target_kinds};
