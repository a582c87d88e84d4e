//! Flex HRM (Flex Applications, Sweden): the employee record as Winningtemp's Flex guide names it.
//!
//! No public API reference exists; field names are the PascalCase ones of Winningtemp's Flex
//! integration (`Id`, `EmailWork`, `FirstName`, `LastName`, `Gender`) plus the employee model of
//! public client code. Newer hosts answer in camelCase; the connector reads both spellings and
//! presents PascalCase, so mappings do not depend on the host.

use crate::schema::settings::{SettingDef, SettingType};
use crate::schema::sources::{FieldDef, ISO_DATE, ISO_DATETIME, ISO_DATETIME_OFFSET, SourceKind};
use crate::types::Type;

/// Flex sends `dateOfBirth` as an ISO date-time at midnight without offset; accept the others too.
const FLEX_DATES: &[&str] = &[ISO_DATETIME, ISO_DATE, ISO_DATETIME_OFFSET];

const SETTINGS: &[SettingDef] = &[
    SettingDef::text(
        "url",
        "API base URL including its path prefix: `https://COMPANY.flexhosting.se/webapi/api` or \
         `https://api.flexhrm.com/api`.",
    )
    .required(),
    SettingDef::text("username", "The dedicated integration user in Flex HRM.").required(),
    SettingDef::text("password", "The integration user's password.")
        .required()
        .secret(),
    SettingDef::text(
        "instance",
        "The HRM instance (customer number), kept as opaque text.",
    )
    .required(),
    SettingDef::of(
        "companies",
        SettingType::TextList,
        "Company IDs or numbers to read; employees in several companies are read once (by `Id`).",
    )
    .required(),
    SettingDef::int("page_size", "Employees per request.")
        .default("100")
        .range(1, 1000),
    crate::schema::sources::UNITS,
];

/// The `flex` source kind.
pub(super) fn kind() -> SourceKind {
    SourceKind {
        name: "flex",
        doc: "Flex HRM's web API, read with an integration user (HTTP Basic). Customer-specific \
              organisation fields (accounting dimensions such as office or department) are \
              declared in `fields`. The personal identity number is deliberately not a built-in \
              field: it must never reach Winningtemp.",
        fields: fields(),
        settings: SETTINGS,
        declared_fields_only: false,
    }
}

fn fields() -> Vec<FieldDef> {
    vec![
        FieldDef::new(
            "Id",
            Type::Text,
            "Employee ID (a UUID); the stable key Winningtemp's Flex integration uses as external ID.",
        ),
        FieldDef::new("FirstName", Type::Text, "First name."),
        FieldDef::new("LastName", Type::Text, "Last name."),
        FieldDef::text("Name", "Full name as Flex shows it."),
        FieldDef::text("EmailWork", "Work email; Winningtemp's default username and email."),
        FieldDef::text("EmailPrivate", "Private email."),
        FieldDef::text(
            "Gender",
            "`1` = man, `2` = woman, `_` or `0` = not given (older hosts send `_`, newer ones `0`).",
        )
        .values(&["1", "2", "_", "0"]),
        FieldDef::date("DateOfBirth", FLEX_DATES, "Date of birth."),
        FieldDef::text(
            "ImmediateManagerEmployeeId",
            "The immediate manager's `Id` (\"Närmaste chef\"); may be an employee of another company.",
        ),
        FieldDef::text(
            "EmploymentNumber",
            "The employee number people know, from the current employment (not stable across rehires).",
        ),
        FieldDef::date(
            "EmploymentStartDate",
            FLEX_DATES,
            "Start (`fromDate`) of the current employment period. Inferred: Flex has no status \
             field, employment state follows from the periods.",
        ),
        FieldDef::date(
            "EmploymentEndDate",
            FLEX_DATES,
            "End (`toDate`) of the current employment period; empty while open-ended. A past date \
             means the person has left (`pause when EmploymentEndDate < today`).",
        ),
        FieldDef::text("CompanyId", "The company the employee was read from."),
        FieldDef::text("City", "City of the home address."),
        FieldDef::text("Country", "Country of the home address."),
        FieldDef::text("Nationality", "Nationality."),
    ]
}
