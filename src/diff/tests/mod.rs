//! One test per matching rule, configuration rule option and protection. Each fails if the
//! behaviour documented in docs/plan.md changes.

pub(crate) mod fixtures;
mod properties;
mod relations;
mod sharing;
mod users;

fn codes(diff: &crate::diff::Diff) -> Vec<&str> {
    diff.warnings.iter().map(|w| w.code.as_str()).collect()
}
