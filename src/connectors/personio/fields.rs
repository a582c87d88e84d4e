//! Personio, v1 Personnel Data API (`GET /v1/company/employees`).
//!
//! Fields are the built-in attribute keys; each record's `attributes.KEY.value` becomes field
//! `KEY`, and nested objects (department, office, …) are reached with dotted paths. Only
//! attributes whitelisted on the API credential are returned: others are absent, which is why
//! nearly everything is optional.

use crate::schema::settings::SettingDef;
use crate::schema::sources::{FieldDef, ISO_DATE, ISO_DATETIME_OFFSET, SourceKind};
use crate::types::Type;

/// Built-in dates come as `2014-11-09T00:00:00+01:00`, custom date attributes as `2021-01-01`.
const PERSONIO_DATES: &[&str] = &[ISO_DATETIME_OFFSET, ISO_DATE];

const SETTINGS: &[SettingDef] = &[
    SettingDef::text(
        "client_id",
        "API credential's client ID (not secret on its own).",
    )
    .required(),
    SettingDef::text("client_secret", "API credential's client secret.")
        .required()
        .secret(),
    SettingDef::text("base_url", "API base URL.").default("\"https://api.personio.de\""),
    SettingDef::text("app_id", "Sent as `X-Personio-App-ID`; UPPER_SNAKE_CASE.")
        .default("\"WTMAP\""),
    SettingDef::text(
        "partner_id",
        "Sent as `X-Personio-Partner-ID` when given; UPPER_SNAKE_CASE.",
    ),
    SettingDef::int(
        "page_size",
        "Employees per request; Personio allows at most 100.",
    )
    .default("100")
    .range(1, 100),
    crate::schema::sources::UNITS,
];

/// The `personio` source kind.
pub(super) fn kind() -> SourceKind {
    SourceKind {
        name: "personio",
        doc: "Personio's v1 employees API, read with a client ID and secret. Custom attributes \
              (`dynamic_<n>`, numbered per customer) are declared in `fields` under that key. \
              Status `inactive` means the person has left; `onboarding` has a future hire date.",
        fields: fields(),
        settings: SETTINGS,
        declared_fields_only: false,
    }
}

fn fields() -> Vec<FieldDef> {
    let date = |path, doc| FieldDef::date(path, PERSONIO_DATES, doc);
    vec![
        FieldDef::new(
            "id",
            Type::Text,
            "Personio employee ID. A number on the wire, read as text because it is an identifier.",
        ),
        FieldDef::new("first_name", Type::Text, "First name."),
        FieldDef::new("last_name", Type::Text, "Last name."),
        FieldDef::text("preferred_name", "Preferred name (\"Name (preferred)\")."),
        FieldDef::text("email", "Work email; how Winningtemp's own Personio app matches users."),
        FieldDef::text("gender", "Gender.").values(&["male", "female", "diverse"]),
        FieldDef::text(
            "status",
            "Lifecycle: `active`, `onboarding` (hire date in the future), `leave`, `inactive` (left).",
        )
        .values(&["active", "onboarding", "leave", "inactive"]),
        FieldDef::text("position", "Job title."),
        FieldDef::text("employment_type", "`internal` or `external`.").values(&["internal", "external"]),
        FieldDef::text("weekly_working_hours", "Weekly hours as text (`\"40\"`); `decimal(…)` reads it."),
        date("hire_date", "Hire date."),
        date("termination_date", "Termination date."),
        date("contract_end_date", "End of a fixed-term contract."),
        date("last_working_day", "Last working day."),
        date("probation_period_end", "End of probation."),
        FieldDef::text("termination_type", "Termination type."),
        FieldDef::text("termination_reason", "Termination reason."),
        FieldDef::text("department.id", "Department ID (stable across renames)."),
        FieldDef::text("department.name", "Department name."),
        FieldDef::text("office.id", "Office ID."),
        FieldDef::text("office.name", "Office name."),
        FieldDef::text("team.id", "Team ID."),
        FieldDef::text("team.name", "Team name."),
        FieldDef::text("subcompany.id", "Legal entity (subcompany) ID."),
        FieldDef::text("subcompany.name", "Legal entity (subcompany) name."),
        FieldDef::text("supervisor.id", "The supervisor's employee `id`: the manager."),
        FieldDef::text("supervisor.email", "The supervisor's email, when whitelisted."),
        FieldDef::new(
            "cost_centers",
            Type::List(Box::new(Type::Text)).optional(),
            "Names of the cost centres the person is assigned to.",
        ),
    ]
}

/// Personio's org units (`GET /v2/org-units?type=department|team`, both types read): the
/// records a `units { … }` statement of a Personio mapping reads.
pub(super) fn unit_fields() -> Vec<FieldDef> {
    vec![
        FieldDef::new(
            "id",
            Type::Text,
            "The org unit's ID (stable; an employment names it).",
        ),
        FieldDef::new("type", Type::Text, "`department` or `team`.")
            .values(&["department", "team"]),
        FieldDef::text("name", "The unit's name."),
        FieldDef::text("abbreviation", "Its short name."),
        FieldDef::text("description", "Its description."),
        FieldDef::text("parent_id", "The parent org unit's ID; empty at the top."),
    ]
}
