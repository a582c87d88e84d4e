//! A state as the CSV files of Winningtemp's file integration: UTF-8, `;`-separated, a header
//! row, quoted only where needed, rows in a fixed order so the same state always gives the same
//! bytes (and an unchanged directory gives unchanged files).
//!
//! Winningtemp links everything by external ID, so things without one (users or teams made by
//! hand in Winningtemp) are left out, together with their relations; they are counted in
//! [`Omitted`].

use super::FilesConfig;
use super::columns::{ALWAYS_WRITTEN, COLUMNS, FileKind};
use super::error::FilesError;
use crate::model::{CurrentState, CurrentTeam, Role, UserStatus};
use std::collections::{BTreeMap, HashMap};

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Which file.
    pub kind: FileKind,
    /// The bytes to write.
    pub bytes: Vec<u8>,
    /// Data rows (without the header).
    pub rows: usize,
}

/// What was left out because it has no external ID.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Users without an external ID.
    pub users: usize,
    /// Teams without an external ID.
    pub teams: usize,
    /// Segments without an external ID.
    pub segments: usize,
}

/// Every file of the layout, in [`FileKind::ALL`] order.
pub fn render(
    state: &CurrentState,
    cfg: &FilesConfig,
) -> Result<(Vec<RenderedFile>, Omitted), FilesError> {
    let mut omitted = Omitted::default();
    let mut out = Vec::new();

    // Relations name users by username; the files name them by external ID.
    let external: HashMap<&str, &str> = state
        .users
        .iter()
        .filter_map(|u| Some((u.username.as_str(), u.external_id.as_deref()?)))
        .collect();
    omitted.users = state.users.len() - external.len();

    // Users, by external ID.
    let mut users: Vec<_> = state
        .users
        .iter()
        .filter_map(|u| Some((u.external_id.as_deref()?, u)))
        .collect();
    users.sort_by_key(|(id, _)| *id);
    let keys: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| c.file == FileKind::Users)
        .map(|c| c.key)
        .filter(|key| {
            ALWAYS_WRITTEN.contains(key)
                || cfg.mapped_attributes.contains(*key)
                || users.iter().any(|(_, u)| {
                    u.attributes
                        .get(*key)
                        .is_some_and(|v| !v.to_string().is_empty())
                })
        })
        .collect();
    let rows = users.iter().map(|(id, u)| {
        keys.iter()
            .map(|key| match *key {
                "external_id" => id.to_string(),
                "username" => u.username.clone(),
                "status" => match u.status {
                    UserStatus::Active => "Active".to_string(),
                    UserStatus::Paused => "Paused".to_string(),
                },
                other => u
                    .attributes
                    .get(other)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            })
            .collect()
    });
    out.push(file(cfg, FileKind::Users, &keys, rows)?);

    // Teams, parents before children (whether Winningtemp accepts a parent further down the
    // file is not documented), siblings by external ID.
    let teams = tree_order(&state.teams);
    omitted.teams = state.teams.len() - teams.len();
    let rows = teams.iter().map(|t| {
        vec![
            t.external_id.clone().unwrap_or_default(),
            t.name.clone(),
            t.parent.clone().unwrap_or_default(),
        ]
    });
    out.push(file(
        cfg,
        FileKind::Groups,
        &["group_external_id", "group_name", "group_parent"],
        rows,
    )?);

    let mut segments: Vec<_> = state
        .segments
        .iter()
        .filter_map(|s| Some((s.external_id.as_deref()?, s)))
        .collect();
    omitted.segments = state.segments.len() - segments.len();
    segments.sort_by_key(|(id, _)| *id);
    let rows = segments
        .iter()
        .map(|(id, s)| vec![id.to_string(), s.name.clone(), s.category.clone()]);
    out.push(file(
        cfg,
        FileKind::Segments,
        &["segment_external_id", "segment_name", "segment_category"],
        rows,
    )?);

    let mut memberships: Vec<[String; 3]> = state
        .memberships
        .iter()
        .filter_map(|m| {
            let role = match m.role {
                Role::Member => "User",
                Role::Manager => "Admin",
            };
            let user = external.get(m.user.as_str())?;
            Some([user.to_string(), m.team.clone(), role.to_string()])
        })
        .collect();
    memberships.sort();
    out.push(file(
        cfg,
        FileKind::Memberships,
        &["membership_user", "membership_team", "membership_role"],
        memberships.into_iter().map(Vec::from),
    )?);

    let mut connections: Vec<[String; 2]> = state
        .segment_connections
        .iter()
        .filter_map(|c| {
            Some([
                external.get(c.user.as_str())?.to_string(),
                c.segment.clone(),
            ])
        })
        .collect();
    connections.sort();
    out.push(file(
        cfg,
        FileKind::SegmentConnections,
        &["connection_user", "connection_segment"],
        connections.into_iter().map(Vec::from),
    )?);
    Ok((out, omitted))
}

/// Teams with an external ID in depth-first order from the roots; a team whose parent is not
/// among them is treated as a root rather than dropped.
fn tree_order(teams: &[CurrentTeam]) -> Vec<&CurrentTeam> {
    let with_id: BTreeMap<&str, &CurrentTeam> = teams
        .iter()
        .filter_map(|t| Some((t.external_id.as_deref()?, t)))
        .collect();
    let mut children: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
    for (id, t) in &with_id {
        let parent = t.parent.as_deref().filter(|p| with_id.contains_key(p));
        children.entry(parent).or_default().push(id);
    }
    let mut order = Vec::with_capacity(with_id.len());
    // Children lists are in external-ID order (BTreeMap iteration); push them reversed so the
    // stack pops them in order.
    let mut stack: Vec<&str> = children
        .get(&None)
        .map(|c| c.iter().rev().copied().collect())
        .unwrap_or_default();
    while let Some(id) = stack.pop() {
        // A validated state has no cycles; the length bound keeps a bad one from looping.
        if order.len() >= with_id.len() {
            break;
        }
        if let Some(t) = with_id.get(id) {
            order.push(*t);
        }
        if let Some(c) = children.get(&Some(id)) {
            stack.extend(c.iter().rev().copied());
        }
    }
    order
}

fn file(
    cfg: &FilesConfig,
    kind: FileKind,
    keys: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<RenderedFile, FilesError> {
    let mut bytes = Vec::new();
    if cfg.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut count = 0;
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(&mut bytes);
        let err = |e: csv::Error| FilesError::Write {
            file: kind.file_name().to_string(),
            source: std::io::Error::other(e.to_string()),
        };
        w.write_record(keys.iter().map(|k| cfg.columns.header(k)))
            .map_err(err)?;
        for row in rows {
            w.write_record(&row).map_err(err)?;
            count += 1;
        }
        w.flush().map_err(|e| FilesError::Write {
            file: kind.file_name().to_string(),
            source: e,
        })?;
    }
    Ok(RenderedFile {
        kind,
        bytes,
        rows: count,
    })
}
