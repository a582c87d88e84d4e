//! Where plans go. (Placeholder in the `files` branch: the SCIM branch owns this file.)

pub mod files;
