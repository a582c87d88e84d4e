//! The default file layout: which files exist, which columns they have, and how `columns { … }`
//! renames them. Winningtemp agrees the exact column names with each customer (they are not
//! documented publicly), so every header can be renamed; the keys used to rename them are fixed.

use super::error::FilesError;
use crate::suggest::did_you_mean;
use std::collections::BTreeMap;

/// One of the files an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// `wt_users.csv`: one row per user.
    Users,
    /// `wt_groups.csv`: one row per team, with its parent.
    Groups,
    /// `wt_segments.csv`: one row per segment.
    Segments,
    /// `wt_memberships.csv`: one row per team membership, with its role.
    Memberships,
    /// `wt_segment_connections.csv`: one row per user in a segment.
    SegmentConnections,
}

impl FileKind {
    /// Every file, in the order they are written and uploaded (groups before the memberships
    /// that name them).
    pub const ALL: [FileKind; 5] = [
        FileKind::Users,
        FileKind::Groups,
        FileKind::Segments,
        FileKind::Memberships,
        FileKind::SegmentConnections,
    ];

    /// The file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Users => "wt_users.csv",
            FileKind::Groups => "wt_groups.csv",
            FileKind::Segments => "wt_segments.csv",
            FileKind::Memberships => "wt_memberships.csv",
            FileKind::SegmentConnections => "wt_segment_connections.csv",
        }
    }
}

/// A column: the key `columns { … }` renames it by, the file it is in, its default header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// Key in `columns { … }`; for user columns, the attribute name.
    pub key: &'static str,
    /// The file.
    pub file: FileKind,
    /// Header written when `columns` does not rename it.
    pub default_header: &'static str,
}

const fn col(key: &'static str, file: FileKind, default_header: &'static str) -> ColumnDef {
    ColumnDef {
        key,
        file,
        default_header,
    }
}

/// Every column, in file order and, within a file, in column order.
pub static COLUMNS: &[ColumnDef] = &[
    col("external_id", FileKind::Users, "external_id"),
    col("username", FileKind::Users, "username"),
    col("email", FileKind::Users, "email"),
    col("first_name", FileKind::Users, "first_name"),
    col("last_name", FileKind::Users, "last_name"),
    col("gender", FileKind::Users, "gender"),
    col("birthday", FileKind::Users, "birthday"),
    col("employed_since", FileKind::Users, "employed_since"),
    col("employed_until", FileKind::Users, "employed_until"),
    col("status", FileKind::Users, "status"),
    col(
        "exclude_from_surveys",
        FileKind::Users,
        "exclude_from_surveys",
    ),
    col("role", FileKind::Users, "role"),
    col("employee_number", FileKind::Users, "employee_number"),
    col("title", FileKind::Users, "title"),
    col("phone", FileKind::Users, "phone"),
    col("group_external_id", FileKind::Groups, "external_id"),
    col("group_name", FileKind::Groups, "name"),
    col("group_parent", FileKind::Groups, "parent_external_id"),
    col("segment_external_id", FileKind::Segments, "external_id"),
    col("segment_name", FileKind::Segments, "name"),
    col("segment_category", FileKind::Segments, "category"),
    col("membership_user", FileKind::Memberships, "user_external_id"),
    col("membership_team", FileKind::Memberships, "team_external_id"),
    col("membership_role", FileKind::Memberships, "role"),
    col(
        "connection_user",
        FileKind::SegmentConnections,
        "user_external_id",
    ),
    col(
        "connection_segment",
        FileKind::SegmentConnections,
        "segment_external_id",
    ),
];

/// User columns written even when no user has a value: Winningtemp's mandatory values, and the
/// status, which a full snapshot must always state.
pub const ALWAYS_WRITTEN: &[&str] = &[
    "external_id",
    "username",
    "first_name",
    "last_name",
    "status",
];

/// Headers after `columns { … }`: the default header unless renamed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnNames {
    renamed: BTreeMap<&'static str, String>,
}

impl ColumnNames {
    /// Validates renames (`key` → header): every key must be a column key, headers must be
    /// non-empty and unique within their file.
    pub fn new<'a>(
        renames: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ColumnNames, FilesError> {
        let mut renamed = BTreeMap::new();
        for (key, header) in renames {
            let Some(def) = COLUMNS.iter().find(|c| c.key == key) else {
                let keys = COLUMNS.iter().map(|c| c.key);
                let help = match did_you_mean(key, keys) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "column keys are {}",
                        COLUMNS
                            .iter()
                            .map(|c| format!("`{}`", c.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                return Err(FilesError::UnknownColumn {
                    key: key.to_string(),
                    help,
                });
            };
            if header.trim().is_empty() {
                return Err(FilesError::Setting {
                    message: format!("`columns.{key}` is empty; a column needs a name"),
                });
            }
            renamed.insert(def.key, header.to_string());
        }
        let names = ColumnNames { renamed };
        for file in FileKind::ALL {
            let mut seen = std::collections::BTreeSet::new();
            for c in COLUMNS.iter().filter(|c| c.file == file) {
                let header = names.header(c.key);
                if !seen.insert(header.to_string()) {
                    return Err(FilesError::DuplicateHeader {
                        file: file.file_name(),
                        header: header.to_string(),
                    });
                }
            }
        }
        Ok(names)
    }

    /// The header of the column `key` (a key from [`COLUMNS`]; an unknown key is its own
    /// header).
    pub fn header<'a>(&'a self, key: &'a str) -> &'a str {
        if let Some(h) = self.renamed.get(key) {
            return h;
        }
        COLUMNS
            .iter()
            .find(|c| c.key == key)
            .map_or(key, |c| c.default_header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_columns_are_the_winningtemp_attributes() {
        let users: Vec<&str> = COLUMNS
            .iter()
            .filter(|c| c.file == FileKind::Users)
            .map(|c| c.key)
            .collect();
        let attributes: Vec<&str> = crate::schema::target::attributes()
            .iter()
            .map(|a| a.name)
            .filter(|a| *a != "manager")
            .collect();
        assert_eq!(users, attributes);
    }

    #[test]
    fn renames_are_checked() {
        let names = ColumnNames::new([("first_name", "Förnamn")]).unwrap();
        assert_eq!(names.header("first_name"), "Förnamn");
        assert_eq!(names.header("group_parent"), "parent_external_id");
        let e = ColumnNames::new([("frist_name", "X")]).unwrap_err();
        assert!(
            matches!(&e, FilesError::UnknownColumn { help, .. } if help == "did you mean `first_name`?"),
            "{e:?}"
        );
        let e = ColumnNames::new([("email", "username")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "target winningtemp.files: `wt_users.csv` would have two columns called `username`"
        );
        assert!(ColumnNames::new([("email", " ")]).is_err());
        // The same header in different files is fine.
        assert!(ColumnNames::new([("group_name", "Namn"), ("segment_name", "Namn")]).is_ok());
    }
}
