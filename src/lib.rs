//! wtmap turns a small declarative rule file per customer (`.wtmap`) into the actions that keep
//! a Winningtemp user directory in sync with an HR system.
//!
//! ```text
//! .wtmap text ──parse──▶ AST ──check──▶ checked program ─┐
//!                                                         ▼
//! source (file export or HR API) ──records──▶ evaluate ──▶ desired state ─┐
//!                                                                         ▼
//! target (Winningtemp SCIM, or last exported snapshot) ──current state──▶ diff ──▶ plan
//!                                                                         │
//!                                          guards ◀───────────────────────┘
//!                                            │
//!                                          apply (SCIM calls / wt_*.csv files) ──▶ report
//! ```
//!
//! Every stage is a plain function over data; the outside world (clock, environment, files,
//! network) is passed in, so every stage is testable offline and `plan` never writes anything.

pub mod action;
pub mod allocator;
pub mod apply;
pub mod atomic;
pub mod builtins;
pub mod check;
pub mod cli;
pub mod connectors;
pub mod dates;
pub mod diagnostics;
pub mod diff;
pub mod email;
pub mod env;
pub mod escape;
pub mod eval;
pub mod files;
pub mod format;
pub mod guard;
pub mod identity;
pub mod lsp;
pub mod mapdiff;
pub mod model;
pub mod parallel;
pub mod plan;
pub mod profile;
pub mod quality;
pub mod records;
pub mod report;
pub mod run;
pub mod schema;
pub mod serve;
pub mod source;
pub mod state;
pub mod suggest;
pub mod sync;
pub mod syntax;

pub mod testing;
pub mod timings;
pub mod types;
pub mod units;
pub mod value;
pub mod winningtemp;
