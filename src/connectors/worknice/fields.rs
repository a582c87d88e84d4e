//! Worknice (Australian HRIS): people from its GraphQL API (`session.org.people`).
//!
//! The field names follow the GraphQL selection of Worknice's own Slack integration; everything
//! is nullable there, so everything but `id` and `displayName` is optional. Worknice gives only a
//! display name: `given_name(displayName)` / `family_name(displayName)` split it.

use crate::schema::settings::SettingDef;
use crate::schema::sources::{FieldDef, ISO_DATE, SourceKind};
use crate::types::Type;

const SETTINGS: &[SettingDef] = &[
    SettingDef::text("url", "Worknice base URL; the API is `<url>/api/graphql`.")
        .default("\"https://app.worknice.com\""),
    SettingDef::text(
        "token",
        "Integration API token, sent as `worknice-api-token`.",
    )
    .required()
    .secret(),
    SettingDef::bool(
        "include_archived",
        "Also read terminated (archived) people, so their Winningtemp users can be paused rather \
         than treated as missing.",
    )
    .default("true"),
    crate::schema::sources::UNITS,
];

/// The `worknice` source kind.
pub(super) fn kind() -> SourceKind {
    SourceKind {
        name: "worknice",
        doc: "Worknice's GraphQL API, read with an integration token; all people in one request. \
              Status values other than `ACTIVE` are not documented, so `status` has no fixed value \
              set and value maps over it need a `_` arm.",
        fields: fields(),
        settings: SETTINGS,
        declared_fields_only: false,
    }
}

fn fields() -> Vec<FieldDef> {
    let int = |path, doc| FieldDef::new(path, Type::Int.optional(), doc);
    vec![
        FieldDef::new("id", Type::Text, "Person ID; stable."),
        FieldDef::new(
            "displayName",
            Type::Text,
            "Full display name; the only name Worknice gives.",
        ),
        FieldDef::text(
            "status",
            "Lifecycle status; `ACTIVE` is the only documented value.",
        ),
        FieldDef::text(
            "role",
            "Worknice role (employee, manager, account owner, contractor); spelling on the wire unconfirmed.",
        ),
        FieldDef::text("employeeCode", "Payroll employee code."),
        FieldDef::text("profileEmail", "Work email shown in the directory."),
        FieldDef::text("personalEmail", "Private email."),
        FieldDef::date("startDate", &[ISO_DATE], "Start date (`2023-02-06`)."),
        FieldDef::text("location.name", "Work location."),
        FieldDef::text(
            "currentJob.position.title",
            "Job title of the current position.",
        ),
        FieldDef::text(
            "currentJob.position.manager.currentJob.person.id",
            "The manager's person `id`, reached through the position; empty when the manager's \
             position is vacant.",
        ),
        FieldDef::text(
            "currentJob.position.manager.currentJob.person.displayName",
            "The manager's display name (for reports; key managers on the id).",
        ),
        FieldDef::text(
            "employmentBasis",
            "Full-time, part-time or casual. Inferred: Worknice records it, but no API field name \
             was confirmed; empty if the API does not provide it.",
        ),
        int(
            "profileBirthday.day",
            "Day of the birthday (no year is given, so no `birthday`).",
        ),
        int("profileBirthday.month", "Month of the birthday, 1 to 12."),
    ]
}
