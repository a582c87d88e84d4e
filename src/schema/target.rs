//! The Winningtemp side: user attributes with their types, and the target kinds.

use super::settings::{SettingDef, SettingType};
use crate::types::{EnumType, Type};
use std::sync::LazyLock;

/// A Winningtemp user attribute that `user { … }` (or a statement) can set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    /// Name as written in mappings.
    pub name: &'static str,
    /// The type a value must have; `T?` when the attribute may be left empty.
    pub ty: Type,
    /// Must be mapped, from a value that cannot be empty (Winningtemp refuses the user otherwise).
    pub mandatory: bool,
    /// No two users may share a value.
    pub unique: bool,
    /// The value Winningtemp assumes when the mapping does not set it, as written in a mapping.
    pub default: Option<&'static str>,
    /// The SCIM path `winningtemp.scim` writes it to by default; `None` when SCIM does not
    /// carry it unless the target's `attributes { … }` names a path.
    pub scim: Option<&'static str>,
    /// One line for the docs.
    pub doc: &'static str,
}

fn attr(name: &'static str, ty: Type, doc: &'static str) -> AttributeDef {
    AttributeDef {
        name,
        ty,
        mandatory: false,
        unique: false,
        default: None,
        scim: None,
        doc,
    }
}

impl AttributeDef {
    fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }

    fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    fn scim(mut self, path: &'static str) -> Self {
        self.scim = Some(path);
        self
    }
}

static ATTRIBUTES: LazyLock<Vec<AttributeDef>> =
    LazyLock::new(|| {
        let opt = Type::optional;
        vec![
        attr(
            "external_id",
            Type::Text,
            "The stable key linking the person to their Winningtemp user; an employee ID, never an \
             email or a name, because it must not change.",
        )
        .mandatory()
        .unique()
        .scim("externalId"),
        attr(
            "username",
            Type::Text,
            "The login name. Winningtemp recommends the work email; over SCIM, Winningtemp takes \
             username and email from the primary email as one field.",
        )
        .mandatory()
        .unique()
        .scim("userName"),
        attr(
            "email",
            opt(Type::Text),
            "Work email; optional but strongly recommended so the user gets mail from Winningtemp.",
        )
        .unique()
        .scim("emails[primary eq true].value"),
        attr("first_name", Type::Text, "Shown to admins and in the login greeting.")
            .mandatory()
            .scim("name.givenName"),
        attr("last_name", Type::Text, "Shown to admins and in the login greeting.")
            .mandatory()
            .scim("name.familyName"),
        attr(
            "gender",
            opt(Type::Enum(EnumType::Gender)),
            "Gender identity, for employee-attribute segments in surveys.",
        ),
        attr("birthday", opt(Type::Date), "Date of birth, for age buckets in surveys."),
        attr("employed_since", opt(Type::Date), "Hire date, for tenure buckets in surveys."),
        attr(
            "employed_until",
            opt(Type::Date),
            "Last day of employment, for time-to-separation buckets; it does not pause the user \
             by itself (use `pause when`).",
        ),
        attr(
            "status",
            opt(Type::Enum(EnumType::Status)),
            "Active, or Paused (cannot log in, receives no surveys, uses no licence). Usually set \
             by `pause when`; SCIM `active`.",
        )
        .default("Active")
        .scim("active"),
        attr(
            "exclude_from_surveys",
            opt(Type::Bool),
            "The user keeps their account but receives no surveys. Usually set by `exclude when`.",
        )
        .default("false"),
        attr(
            "role",
            opt(Type::Enum(EnumType::Role)),
            "Permission role; leave unset for plain users.",
        ),
        attr(
            "employee_number",
            opt(Type::Text),
            "The employee number people know (not the external ID: it may be reused).",
        ),
        attr("title", opt(Type::Text), "Job title."),
        attr("phone", opt(Type::Text), "Work phone number."),
        attr(
            "manager",
            opt(Type::Text),
            "The manager's external ID. A relation, not a plain attribute: the manager becomes \
             manager of the team the user belongs to.",
        ),
    ]
    });

/// Every user attribute, mandatory ones first.
pub fn attributes() -> &'static [AttributeDef] {
    &ATTRIBUTES
}

/// The attribute called `name`.
pub fn attribute(name: &str) -> Option<&'static AttributeDef> {
    attributes().iter().find(|a| a.name == name)
}

/// Where actions go: Winningtemp over SCIM, or Winningtemp's file integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetKind {
    /// Name as written after `target`.
    pub name: &'static str,
    /// One paragraph for the docs.
    pub doc: &'static str,
    /// Keys of the `target` block.
    pub settings: &'static [SettingDef],
    /// Can carry a team hierarchy (`group path` with more than one level).
    pub supports_hierarchy: bool,
    /// Can carry segments (`segment "…" = …`).
    pub supports_segments: bool,
}

static TARGET_KINDS: &[TargetKind] = &[
    TargetKind {
        name: "winningtemp.files",
        doc: "Writes `wt_users.csv`, `wt_groups.csv`, `wt_segments.csv` (Winningtemp's file \
              integration) to a directory, optionally uploading them over SFTP. Carries teams \
              with parents and segments. Column names are agreed with Winningtemp, so they can \
              be renamed in `columns`.",
        settings: &[
            SettingDef::text("dir", "Directory the files are written to.").required(),
            SettingDef::of(
                "columns",
                SettingType::Map,
                "Column name overrides: `column_key = \"Header\"` (keys in docs/files-target.md).",
            ),
            SettingDef::bool("bom", "Start each file with a UTF-8 byte order mark.")
                .default("false"),
            SettingDef::of(
                "sftp",
                SettingType::Block(&[
                    SettingDef::text("host", "SFTP host name.").required(),
                    SettingDef::int("port", "SFTP port.")
                        .default("22")
                        .range(1, 65535),
                    SettingDef::text("user", "SFTP user name.").required(),
                    SettingDef::text(
                        "key",
                        "Private key text (OpenSSH or PEM, not passphrase-protected) for the \
                         SFTP user.",
                    )
                    .required()
                    .secret(),
                    SettingDef::text(
                        "path",
                        "Remote directory for the files (relative to the SFTP user's home).",
                    )
                    .default("\".\""),
                    SettingDef::text(
                        "fingerprint",
                        "The server's host key: its fingerprint (`SHA256:…`) or public key line \
                         (`ssh-ed25519 AAAA…`). Without it, `known_hosts` is consulted.",
                    ),
                    SettingDef::text(
                        "known_hosts",
                        "OpenSSH known_hosts file to verify the server against, relative to the \
                         mapping; default `~/.ssh/known_hosts`. An unknown server is refused.",
                    ),
                ]),
                "Upload the files to Winningtemp's SFTP server after writing them.",
            ),
        ],
        supports_hierarchy: true,
        supports_segments: true,
    },
    TargetKind {
        name: "winningtemp.scim",
        doc: "Winningtemp's SCIM 2.0 endpoint, as identity providers use it. SCIM groups carry no \
              parent, so a team hierarchy cannot be expressed; segments are not carried either. \
              Default attribute paths: externalId, userName, emails[primary], name.givenName, \
              name.familyName, active.",
        settings: &[
            SettingDef::text("url", "SCIM base URL.")
                .default("\"https://scim.prod.winningtemp.com/api/scim\""),
            SettingDef::text("token", "The SCIM secret token issued by Winningtemp.")
                .required()
                .secret(),
            SettingDef::int("concurrency", "Requests in flight at once.")
                .default("4")
                .range(1, 16),
            SettingDef::int(
                "max_pages",
                "Pages read from /Users or /Groups at most; a longer listing fails the read.",
            )
            .default("10000")
            .range(1, 1_000_000),
            SettingDef::int(
                "max_response_mb",
                "Size of one SCIM answer at most, in MiB; a longer one fails the request.",
            )
            .default("64")
            .range(1, 4096),
            SettingDef::int(
                "member_batch",
                "Members added or removed by one PATCH of a group; halved after a 413 or a \
                 400 about too many operations, down to 1.",
            )
            .default("100")
            .range(1, 1000),
            SettingDef::text(
                "bulk",
                "`auto` creates users in SCIM Bulk requests when the server offers Bulk, within \
                 its maxOperations and maxPayloadSize; `off` sends one POST per user.",
            )
            .values(&["auto", "off"])
            .default("\"off\""),
            SettingDef::of(
                "attributes",
                SettingType::AttributeMap,
                "SCIM path per attribute, overriding or adding to the defaults: \
                 `employed_since = \"urn:…:employedSince\"`.",
            ),
        ],
        supports_hierarchy: false,
        supports_segments: false,
    },
];

/// Every target kind, sorted by name.
pub fn target_kinds() -> &'static [TargetKind] {
    TARGET_KINDS
}

/// The target kind called `name` (`winningtemp.scim`).
pub fn target_kind(name: &str) -> Option<&'static TargetKind> {
    TARGET_KINDS.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapped user's attributes are packed by their place in the model's list of names: it
    /// must name exactly the attributes described here.
    #[test]
    fn the_model_keys_exactly_these_attributes() {
        let mut names: Vec<&str> = attributes().iter().map(|a| a.name).collect();
        names.sort_unstable();
        assert_eq!(names, crate::model::ATTRIBUTE_NAMES);
    }

    #[test]
    fn mandatory_attributes_are_required_types() {
        let mandatory: Vec<&str> = attributes()
            .iter()
            .filter(|a| a.mandatory)
            .map(|a| a.name)
            .collect();
        assert_eq!(
            mandatory,
            ["external_id", "username", "first_name", "last_name"]
        );
        for a in attributes() {
            assert_eq!(a.mandatory, !a.ty.is_optional(), "`{}`", a.name);
        }
    }

    #[test]
    fn lookups() {
        let email = attribute("email").unwrap();
        assert!(email.unique && !email.mandatory);
        assert_eq!(email.ty, Type::Text.optional());
        assert_eq!(
            attribute("gender").unwrap().ty,
            Type::Enum(EnumType::Gender).optional()
        );
        assert_eq!(attribute("status").unwrap().default, Some("Active"));
        assert!(attribute("Email").is_none());
        assert!(target_kind("winningtemp.scim").is_some_and(|t| !t.supports_hierarchy));
        assert!(target_kind("winningtemp.files").is_some_and(|t| t.supports_hierarchy));
        assert!(target_kind("scim").is_none());
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = attributes().iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), attributes().len());
        assert!(TARGET_KINDS.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn enum_defaults_are_enum_values() {
        for a in attributes() {
            if let (Some(default), Type::Enum(e)) = (a.default, a.ty.base()) {
                assert!(
                    e.variant(default).is_some(),
                    "`{}` default `{default}`",
                    a.name
                );
            }
        }
    }
}
