//! Reading and writing the `wtmap.state/v1` file: what Winningtemp holds now (docs/state.md).
//!
//! Reading validates everything the diff relies on (unique usernames and external IDs,
//! relations that point at existing users, teams and segments, an acyclic team tree), so the
//! diff never has to guess. Writing is atomic and deterministic (sorted).

mod canonical;
mod fingerprint;

use crate::model::{CurrentState, STATE_FORMAT};
pub use fingerprint::fingerprint;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde::Deserialize;
use std::path::Path;

/// Why a state file could not be read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    /// The file could not be read.
    #[error("cannot read state file `{file}`")]
    #[diagnostic(
        code(wtmap::state::read),
        help("check that the path exists and is readable")
    )]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write state file `{file}`")]
    #[diagnostic(
        code(wtmap::state::write),
        help("check that the folder exists and is writable")
    )]
    Write {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or JSON of the wrong shape.
    #[error("state file `{file}` is not valid at line {line}, column {column}: {message}")]
    #[diagnostic(
        code(wtmap::state::parse),
        help("the format is described in docs/state.md (JSON schema: docs/state.schema.json)")
    )]
    Parse {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON reader said.
        message: String,
    },
    /// `format` is missing or names another format.
    #[error("state file `{file}` has format `{found}`, expected `wtmap.state/v1`")]
    #[diagnostic(
        code(wtmap::state::format),
        help(
            "a state file is a JSON object starting with `\"format\": \"wtmap.state/v1\"`; \
             is this a plan or another tool's export? (see docs/state.md)"
        )
    )]
    Format {
        /// The file.
        file: String,
        /// The format found (`<missing>` when absent).
        found: String,
    },
    /// Two users share a username (compared ignoring case, as logins are).
    #[error("state file `{file}` lists the username `{username}` twice")]
    #[diagnostic(
        code(wtmap::state::duplicate_username),
        help("usernames are unique in Winningtemp")
    )]
    DuplicateUsername {
        /// The file.
        file: String,
        /// The username.
        username: String,
    },
    /// Two users, teams or segments share an external ID.
    #[error("state file `{file}` lists the {kind} external ID `{external_id}` twice")]
    #[diagnostic(
        code(wtmap::state::duplicate_external_id),
        help("external IDs are unique per kind")
    )]
    DuplicateExternalId {
        /// The file.
        file: String,
        /// `user`, `team` or `segment`.
        kind: &'static str,
        /// The external ID.
        external_id: String,
    },
    /// A membership or connection names a user that is not in `users`.
    #[error("state file `{file}`: a {relation} names the unknown user `{user}`")]
    #[diagnostic(
        code(wtmap::state::unknown_user),
        help("relations name users by `username`")
    )]
    UnknownUser {
        /// The file.
        file: String,
        /// `membership` or `segment connection`.
        relation: &'static str,
        /// The username.
        user: String,
    },
    /// A membership names a team, or a team names a parent, that is not in `teams`.
    #[error("state file `{file}`: {what} names the unknown team `{team}`")]
    #[diagnostic(
        code(wtmap::state::unknown_team),
        help("teams are named by `external_id`")
    )]
    UnknownTeam {
        /// The file.
        file: String,
        /// What refers to it (`the membership of `anna``, `the parent of team `x``).
        what: String,
        /// The team's external ID.
        team: String,
    },
    /// A connection names a segment that is not in `segments`.
    #[error(
        "state file `{file}`: a segment connection of `{user}` names the unknown segment `{segment}`"
    )]
    #[diagnostic(
        code(wtmap::state::unknown_segment),
        help("segments are named by `external_id`")
    )]
    UnknownSegment {
        /// The file.
        file: String,
        /// The username.
        user: String,
        /// The segment's external ID.
        segment: String,
    },
    /// The same user and team (or segment) appear twice.
    #[error("state file `{file}` relates `{user}` to `{group}` twice")]
    #[diagnostic(
        code(wtmap::state::duplicate_relation),
        help("a user has one role per team (member or manager) and one connection per segment")
    )]
    DuplicateRelation {
        /// The file.
        file: String,
        /// The username.
        user: String,
        /// Team or segment external ID.
        group: String,
    },
    /// Teams whose parents form a cycle.
    #[error("state file `{file}` has a cycle of team parents: {cycle}")]
    #[diagnostic(code(wtmap::state::team_cycle), help("the teams must form a tree"))]
    TeamCycle {
        /// The file.
        file: String,
        /// The cycle, as `` `a` → `b` → `a` ``.
        cycle: String,
    },
}

/// Reads and validates a state file.
pub fn read_state(path: &Path) -> Result<CurrentState, StateError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| StateError::Read {
        file: file.clone(),
        source,
    })?;
    parse_state(&text, &file)
}

/// Parses and validates state JSON; `file` names it in errors.
pub fn parse_state(text: &str, file: &str) -> Result<CurrentState, StateError> {
    let parse_error = |e: serde_json::Error| StateError::Parse {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    // A file that is not a state (a plan, a foreign file) gets the helpful error about its
    // tag rather than about its shape. The tag is looked at on its own only when the whole
    // file did not read as a state: reading a big state twice is not free.
    #[derive(Deserialize)]
    struct Head {
        format: Option<serde_json::Value>,
    }
    let tag_error = |format: Option<serde_json::Value>| {
        let found = format.map_or("<missing>".to_string(), |v| match v {
            serde_json::Value::String(s) => s,
            v => v.to_string(),
        });
        StateError::Format {
            file: file.to_string(),
            found,
        }
    };
    let state: CurrentState = match serde_json::from_str(text) {
        Ok(state) => state,
        Err(e) => {
            let head: Head = serde_json::from_str(text).map_err(parse_error)?;
            return Err(match head.format {
                Some(serde_json::Value::String(f)) if f == STATE_FORMAT => parse_error(e),
                other => tag_error(other),
            });
        }
    };
    if state.format != STATE_FORMAT {
        return Err(tag_error(Some(serde_json::Value::String(state.format))));
    }
    validate_state(&state, file)?;
    Ok(state)
}

/// Checks the invariants the diff relies on; the first problem found is returned.
pub fn validate_state(state: &CurrentState, file: &str) -> Result<(), StateError> {
    let file = file.to_string();
    // Sized up front: a state of a hundred thousand users would rehash each set ~17 times.
    let mut names = HashSet::with_capacity(state.users.len());
    let mut ids = HashSet::with_capacity(state.users.len());
    for user in &state.users {
        if !names.insert(crate::value::lowercase(&user.username)) {
            return Err(StateError::DuplicateUsername {
                file,
                username: user.username.clone(),
            });
        }
        if let Some(id) = &user.external_id
            && !ids.insert(id.as_str())
        {
            let external_id = id.clone();
            return Err(StateError::DuplicateExternalId {
                file,
                kind: "user",
                external_id,
            });
        }
    }
    let usernames: HashSet<&str> = state.users.iter().map(|u| u.username.as_str()).collect();
    let teams = unique_ids(state.teams.iter().map(|t| &t.external_id), "team", &file)?;
    let segments = unique_ids(
        state.segments.iter().map(|s| &s.external_id),
        "segment",
        &file,
    )?;

    let mut pairs = HashSet::with_capacity(state.memberships.len());
    for m in &state.memberships {
        if !usernames.contains(m.user.as_str()) {
            return Err(StateError::UnknownUser {
                file,
                relation: "membership",
                user: m.user.clone(),
            });
        }
        if !teams.contains(m.team.as_str()) {
            let what = format!("the membership of `{}`", m.user);
            return Err(StateError::UnknownTeam {
                file,
                what,
                team: m.team.clone(),
            });
        }
        if !pairs.insert((m.user.as_str(), m.team.as_str())) {
            return Err(StateError::DuplicateRelation {
                file,
                user: m.user.clone(),
                group: m.team.clone(),
            });
        }
    }
    let mut pairs = HashSet::with_capacity(state.segment_connections.len());
    for c in &state.segment_connections {
        if !usernames.contains(c.user.as_str()) {
            let user = c.user.clone();
            return Err(StateError::UnknownUser {
                file,
                relation: "segment connection",
                user,
            });
        }
        if !segments.contains(c.segment.as_str()) {
            let (user, segment) = (c.user.clone(), c.segment.clone());
            return Err(StateError::UnknownSegment {
                file,
                user,
                segment,
            });
        }
        if !pairs.insert((c.user.as_str(), c.segment.as_str())) {
            return Err(StateError::DuplicateRelation {
                file,
                user: c.user.clone(),
                group: c.segment.clone(),
            });
        }
    }
    check_team_tree(state, &teams, file)
}

fn unique_ids<'a>(
    ids: impl Iterator<Item = &'a Option<String>>,
    kind: &'static str,
    file: &str,
) -> Result<HashSet<&'a str>, StateError> {
    let mut seen = HashSet::new();
    for id in ids.flatten() {
        if !seen.insert(id.as_str()) {
            return Err(StateError::DuplicateExternalId {
                file: file.to_string(),
                kind,
                external_id: id.clone(),
            });
        }
    }
    Ok(seen)
}

/// Parents exist, and following parents never comes back to where it started.
fn check_team_tree(
    state: &CurrentState,
    teams: &HashSet<&str>,
    file: String,
) -> Result<(), StateError> {
    let mut parent_of: HashMap<&str, &str> = HashMap::new();
    for team in &state.teams {
        let Some(parent) = &team.parent else { continue };
        if !teams.contains(parent.as_str()) {
            let what = match &team.external_id {
                Some(id) => format!("the parent of team `{id}`"),
                None => format!("the parent of team `{}`", team.name),
            };
            return Err(StateError::UnknownTeam {
                file,
                what,
                team: parent.clone(),
            });
        }
        if let Some(id) = &team.external_id {
            parent_of.insert(id.as_str(), parent.as_str());
        }
    }
    // Teams known to reach a root; each walk stops at one of them, so this is linear.
    let mut rooted: HashSet<&str> = HashSet::new();
    let mut starts: Vec<&str> = parent_of.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        let mut path: Vec<&str> = Vec::new();
        let mut on_path: HashSet<&str> = HashSet::new();
        let mut at = start;
        loop {
            if rooted.contains(at) {
                break;
            }
            if !on_path.insert(at) {
                let from = path.iter().position(|t| *t == at).unwrap_or(0);
                let mut cycle: Vec<String> =
                    path[from..].iter().map(|t| format!("`{t}`")).collect();
                cycle.push(format!("`{at}`"));
                return Err(StateError::TeamCycle {
                    file,
                    cycle: cycle.join(" → "),
                });
            }
            path.push(at);
            match parent_of.get(at) {
                Some(parent) => at = parent,
                None => break,
            }
        }
        rooted.extend(path);
    }
    Ok(())
}

/// Sorts everything into the canonical order used when writing: users by username, teams and
/// segments by external ID (then name), relations by user then team/segment.
pub fn normalize(state: &mut CurrentState) {
    state.users.sort_by(|a, b| a.username.cmp(&b.username));
    state
        .teams
        .sort_by(|a, b| (&a.external_id, &a.name).cmp(&(&b.external_id, &b.name)));
    state.segments.sort_by(|a, b| {
        (&a.external_id, &a.category, &a.name).cmp(&(&b.external_id, &b.category, &b.name))
    });
    state.memberships.sort();
    state.segment_connections.sort();
}

/// The canonical JSON text of a state: normalized, pretty, with a final newline.
pub fn state_to_json(state: &CurrentState) -> String {
    let mut state = state.clone();
    normalize(&mut state);
    // Serializing plain data (strings, maps with string keys) cannot fail.
    let mut text = serde_json::to_string_pretty(&state).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes a state file atomically: a temporary file in the same folder, then renamed over
/// `path`, so a crash never leaves a half-written state behind.
pub fn write_state(path: &Path, state: &CurrentState) -> Result<(), StateError> {
    let file = path.display().to_string();
    let err = |source| StateError::Write {
        file: file.clone(),
        source,
    };
    crate::atomic::write_atomic(path, state_to_json(state).as_bytes()).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tests::fixtures::{current, current_membership, current_team, current_user};
    use crate::model::{CurrentSegmentConnection, Role};

    const GOOD: &str = r#"{
  "format": "wtmap.state/v1",
  "users": [
    {"external_id": "1042", "username": "anna@acme.example", "status": "active",
     "attributes": {"first_name": "Anna", "exclude_from_surveys": false}},
    {"external_id": null, "username": "admin@acme.example", "status": "paused"}
  ],
  "teams": [
    {"external_id": "acme", "name": "Acme", "parent": null},
    {"external_id": "acme/sales", "name": "Sales", "parent": "acme"}
  ],
  "segments": [{"external_id": "country/se", "name": "Sweden", "category": "Country"}],
  "memberships": [{"user": "anna@acme.example", "team": "acme/sales", "role": "member", "managed": true}],
  "segment_connections": [{"user": "anna@acme.example", "segment": "country/se"}],
  "last_run_source_records": 2
}"#;

    fn err(text: &str) -> StateError {
        match parse_state(text, "state.json") {
            Err(e) => e,
            Ok(s) => panic!("accepted {s:?}"),
        }
    }

    fn invalid(state: &CurrentState) -> String {
        match validate_state(state, "s.json") {
            Err(e) => e.to_string(),
            Ok(()) => panic!("accepted {state:?}"),
        }
    }

    #[test]
    fn a_valid_file_reads_and_round_trips_through_write() {
        let state = parse_state(GOOD, "state.json").unwrap();
        assert_eq!(state.users.len(), 2);
        assert_eq!(state.last_run_source_records, Some(2));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_state(&path, &state).unwrap();
        let again = read_state(&path).unwrap();
        let mut sorted = state.clone();
        normalize(&mut sorted);
        assert_eq!(again, sorted);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            state_to_json(&again),
            "stable"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn output_is_sorted_whatever_the_input_order() {
        let mut a = parse_state(GOOD, "s").unwrap();
        let text = state_to_json(&a);
        a.users.reverse();
        a.teams.reverse();
        assert_eq!(state_to_json(&a), text);
        let users = text.find("admin@acme.example").unwrap();
        assert!(users < text.find("anna@acme.example").unwrap());
    }

    #[test]
    fn a_wrong_or_missing_format_says_what_was_found() {
        let e = err(r#"{"format": "wtmap.plan/v1"}"#);
        assert_eq!(
            e.to_string(),
            "state file `state.json` has format `wtmap.plan/v1`, expected `wtmap.state/v1`"
        );
        assert!(
            matches!(err(r#"{"users": []}"#), StateError::Format { found, .. } if found == "<missing>")
        );
        // A plan has fields a state does not: still the tag is what the error is about.
        let plan = r#"{"format": "wtmap.plan/v1", "mapping": "m.wtmap", "actions": []}"#;
        assert!(matches!(err(plan), StateError::Format { found, .. } if found == "wtmap.plan/v1"));
        // The right tag on the wrong shape is a shape error, at its place.
        let shape = "{\"format\": \"wtmap.state/v1\",\n\"users\": 7}";
        assert!(
            matches!(err(shape), StateError::Parse { line: 2, .. }),
            "{:?}",
            err(shape)
        );
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let e = err("{\n  \"format\": \"wtmap.state/v1\",\n  \"users\": [,]\n}");
        assert!(
            matches!(
                e,
                StateError::Parse {
                    line: 3,
                    column: 13,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = err("{\"format\": \"wtmap.state/v1\", \"colour\": 1}");
        assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    }

    #[test]
    fn usernames_and_external_ids_are_unique() {
        let s = current(vec![
            current_user(Some("1"), "a@x"),
            current_user(Some("2"), "A@x"),
        ]);
        assert!(invalid(&s).contains("username `A@x` twice"));
        let s = current(vec![
            current_user(Some("1"), "a@x"),
            current_user(Some("1"), "b@x"),
        ]);
        assert!(invalid(&s).contains("user external ID `1` twice"));
        let mut s = current(vec![]);
        s.teams = vec![current_team("t", "T", None), current_team("t", "U", None)];
        assert!(invalid(&s).contains("team external ID `t` twice"));
    }

    #[test]
    fn relations_must_point_at_existing_users_teams_and_segments() {
        let mut s = current(vec![current_user(Some("1"), "a@x")]);
        s.teams = vec![current_team("t", "T", None)];
        s.memberships = vec![current_membership("nobody", "t", Role::Member, false)];
        assert!(invalid(&s).contains("membership names the unknown user `nobody`"));
        s.memberships = vec![current_membership("a@x", "nowhere", Role::Member, false)];
        assert!(invalid(&s).contains("unknown team `nowhere`"));
        s.memberships = vec![
            current_membership("a@x", "t", Role::Member, false),
            current_membership("a@x", "t", Role::Manager, false),
        ];
        assert!(invalid(&s).contains("relates `a@x` to `t` twice"));
        s.memberships.clear();
        s.segment_connections = vec![CurrentSegmentConnection {
            user: "a@x".into(),
            segment: "se".into(),
            managed: false,
        }];
        assert!(invalid(&s).contains("unknown segment `se`"));
    }

    #[test]
    fn team_parents_exist_and_form_no_cycle() {
        let mut s = current(vec![]);
        s.teams = vec![current_team("a", "A", Some("ghost"))];
        assert!(invalid(&s).contains("the parent of team `a` names the unknown team `ghost`"));
        s.teams = vec![
            current_team("root", "R", None),
            current_team("a", "A", Some("c")),
            current_team("b", "B", Some("a")),
            current_team("c", "C", Some("b")),
        ];
        assert_eq!(
            invalid(&s),
            "state file `s.json` has a cycle of team parents: `a` → `c` → `b` → `a`"
        );
    }

    #[test]
    fn a_fingerprint_ignores_order_and_the_last_run_but_nothing_else() {
        let mut a = current(vec![
            current_user(Some("1"), "a@x"),
            current_user(Some("2"), "b@x"),
        ]);
        a.teams = vec![
            current_team("T1", "One", None),
            current_team("T2", "Two", None),
        ];
        a.memberships = vec![
            current_membership("a@x", "T1", Role::Member, true),
            current_membership("b@x", "T2", Role::Manager, true),
        ];
        let fp = fingerprint(&a);
        let mut b = a.clone();
        b.users.reverse();
        b.teams.reverse();
        b.memberships.reverse();
        b.last_run_source_records = Some(7);
        b.last_run_fill_rates = Some([("Manager".to_string(), 95.0)].into());
        assert_eq!(fingerprint(&b), fp);
        // Written and read back, as `wtmap state --out` and `plan --state` do.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_state(&path, &a).unwrap();
        assert_eq!(fingerprint(&read_state(&path).unwrap()), fp);
        let mut c = a.clone();
        c.memberships[0].role = Role::Manager;
        assert_ne!(fingerprint(&c), fp);
        let mut d = a.clone();
        d.users[1].username = "c@x".into();
        assert_ne!(fingerprint(&d), fp);
    }
}
