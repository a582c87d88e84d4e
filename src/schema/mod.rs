//! Schemas as data: what a source kind's records look like and which settings it takes, and
//! which attributes the Winningtemp target has. The source kinds themselves are defined by the
//! connectors' registry (each live connector in its own folder, `connectors::source_kinds`);
//! the checker reads those tables and the connectors read the same settings and date formats,
//! so the two cannot drift apart.

pub mod scim;
pub mod settings;
pub mod sources;
pub mod target;

pub use settings::{ConfigValue, Endpoint};
pub use settings::{SettingDef, SettingType};
pub use sources::{FieldDef, SourceKind};
pub use target::{AttributeDef, TargetKind, attribute, attributes, target_kind, target_kinds};
