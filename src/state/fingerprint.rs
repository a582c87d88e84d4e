//! The fingerprint of a state: a SHA-256 of its canonical JSON, which a plan records so that
//! `apply --plan` can refuse a plan made against another state.
//!
//! The canonical JSON is the state's, without the last run's figures, with the keys of every
//! object sorted and the elements of each top-level list sorted by their own canonical JSON.
//! Each element's text is written once, straight from `Serialize` ([`super::canonical`]), on
//! every core, and fed to the hash in order. When the state was made one value tree, sorted by
//! texts made for the purpose and printed again whole, the fingerprint of a 95,500-user state
//! took 0.95 s and 200 MB, most of a nightly plan's time (docs/benchmarks.md, issue 20,
//! sixteenth and seventeenth sessions).

use super::canonical;
use crate::model::CurrentState;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A SHA-256 of what `state` holds, independent of the order users, teams, memberships and
/// segments are listed in, of the order of attributes, and of the last run's record count and
/// fill rates (which the guards read afresh): the same directory read twice has the same
/// fingerprint. A plan records its state's fingerprint so that `apply --plan` can refuse a
/// stale plan.
pub fn fingerprint(state: &CurrentState) -> String {
    // Every field named: a field added to the state does not compile here until it is placed.
    let CurrentState {
        format,
        users,
        teams,
        segments,
        memberships,
        segment_connections,
        last_run_source_records: _,
        last_run_fill_rates: _,
    } = state;
    // The keys in order, as in every object of the canonical JSON.
    let mut hash = Sha256::new();
    hash.update(b"{\"format\":");
    hash.update(canonical::to_string(format).as_bytes());
    hash.update(b",\"memberships\":");
    list(&mut hash, memberships);
    hash.update(b",\"segment_connections\":");
    list(&mut hash, segment_connections);
    hash.update(b",\"segments\":");
    list(&mut hash, segments);
    hash.update(b",\"teams\":");
    list(&mut hash, teams);
    hash.update(b",\"users\":");
    list(&mut hash, users);
    hash.update(b"}");
    crate::identity::hex(&hash.finalize())
}

/// A top-level list: its elements' canonical texts, sorted, as a JSON list. Made one list at
/// a time, so only one list's texts are held.
fn list<T: Serialize + Sync>(hash: &mut Sha256, items: &[T]) {
    let mut texts = crate::parallel::map_in_order(items, &|item| canonical::to_string(item));
    // Sorted in two halves, one on each core, and merged as they are hashed: 190,000
    // memberships' texts share their first forty bytes, and sorting them took 47 ms on one
    // core. Equal texts are equal elements: their order cannot show.
    let middle = texts.len() / 2;
    let (first, second) = texts.split_at_mut(middle);
    crate::parallel::join(
        second.len() >= 4096,
        || first.sort_unstable(),
        || second.sort_unstable(),
    );
    let (mut first, mut second) = (first.iter().peekable(), second.iter().peekable());
    let mut out = Chunks::new(hash);
    out.add(b"[");
    let mut separator: &[u8] = b"";
    loop {
        let next = match (first.peek(), second.peek()) {
            (Some(a), Some(b)) if a <= b => first.next(),
            (Some(_), Some(_)) | (None, Some(_)) => second.next(),
            (Some(_), None) => first.next(),
            (None, None) => break,
        };
        if let Some(text) = next {
            out.add(separator);
            out.add(text.as_bytes());
            separator = b",";
        }
    }
    out.add(b"]");
    out.finish();
}

/// Text fed to a hash in pieces of about 64 KiB: fed text by text (90 bytes for a
/// membership), SHA-256 ran at a third of its speed.
struct Chunks<'h> {
    hash: &'h mut Sha256,
    buffer: Vec<u8>,
}

impl<'h> Chunks<'h> {
    const SIZE: usize = 1 << 16;

    fn new(hash: &'h mut Sha256) -> Chunks<'h> {
        Chunks {
            hash,
            buffer: Vec::with_capacity(Self::SIZE),
        }
    }

    fn add(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > Self::SIZE {
            self.hash.update(&self.buffer);
            self.buffer.clear();
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// Feeds the rest to the hash.
    fn finish(self) {
        self.hash.update(&self.buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The fingerprint as it was first written: the whole state as one value tree, keys
    /// sorted, top-level lists sorted by their elements' texts, printed whole. The fast one
    /// must give the same hash (plans record it).
    fn reference(state: &CurrentState) -> String {
        fn sorted(v: Value, top: bool) -> Value {
            match v {
                Value::Object(map) => {
                    let mut entries: Vec<(String, Value)> =
                        map.into_iter().map(|(k, v)| (k, sorted(v, top))).collect();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    Value::Object(entries.into_iter().collect())
                }
                Value::Array(items) => {
                    let mut items: Vec<Value> =
                        items.into_iter().map(|v| sorted(v, false)).collect();
                    if top {
                        items.sort_by_cached_key(|v| v.to_string());
                    }
                    Value::Array(items)
                }
                other => other,
            }
        }
        let mut state = state.clone();
        state.last_run_source_records = None;
        state.last_run_fill_rates = None;
        let value = serde_json::to_value(&state).unwrap();
        crate::identity::sha256_hex(sorted(value, true).to_string().as_bytes())
    }

    /// A state of `n` users in a shuffled order, with teams, segments, memberships and
    /// connections, attributes of every kind, text that needs escaping, and the last run.
    fn state(n: usize) -> CurrentState {
        let users: Vec<Value> = (0..n)
            .map(|i| {
                let i = (i * 7919) % n.max(1);
                json!({
                    "id": if i.is_multiple_of(3) { json!(format!("scim-{i}")) } else { json!(null) },
                    "external_id": if i.is_multiple_of(11) { json!(null) } else { json!(format!("{i:05}")) },
                    "username": format!("user.{i}@acme.example"),
                    "status": if i.is_multiple_of(5) { "paused" } else { "active" },
                    "attributes": {
                        "last_name": format!("Åström \"{i}\"\n\\"),
                        "email": format!("user.{i}@acme.example"),
                        "exclude_from_surveys": i.is_multiple_of(2),
                        "birthday": "1990-01-31",
                        "gender": "Female",
                    },
                })
            })
            .map(|mut user| {
                // Absent rather than null, as a state file may have it.
                if let Some(u) = user.as_object_mut()
                    && u["id"].is_null()
                {
                    u.remove("id");
                }
                user
            })
            .collect();
        let value = json!({
            "format": "wtmap.state/v1",
            "users": users,
            "teams": [
                {"external_id": "T2", "name": "Två", "parent": "T1"},
                {"external_id": "T1", "name": "Ett", "parent": null},
                {"external_id": null, "name": "By hand", "parent": null},
            ],
            "segments": [{"external_id": "c:SE", "name": "SE", "category": "Country"}],
            "memberships": (0..n).map(|i| json!({
                "user": format!("user.{}@acme.example", (i * 31) % n.max(1)),
                "team": if i.is_multiple_of(2) { "T1" } else { "T2" },
                "role": if i.is_multiple_of(9) { "manager" } else { "member" },
                "managed": !i.is_multiple_of(4),
            })).collect::<Vec<_>>(),
            "segment_connections": [
                {"user": "user.1@acme.example", "segment": "c:SE", "managed": true},
                {"user": "user.0@acme.example", "segment": "c:SE", "managed": false},
            ],
            "last_run_source_records": n,
            "last_run_fill_rates": {"Manager": 97.5},
        });
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_fingerprint_is_the_one_plans_have_recorded() {
        // From empty to more users than one thread makes texts for.
        for n in [0, 1, 2, 40, 5000] {
            let s = state(n);
            assert_eq!(fingerprint(&s), reference(&s), "{n} users");
        }
        assert_eq!(
            fingerprint(&CurrentState::empty()),
            reference(&CurrentState::empty())
        );
    }

    #[test]
    fn a_change_anywhere_changes_it() {
        let s = state(40);
        let fp = fingerprint(&s);
        let mut t = s.clone();
        t.users[3].status = match s.users[3].status {
            crate::model::UserStatus::Paused => crate::model::UserStatus::Active,
            crate::model::UserStatus::Active => crate::model::UserStatus::Paused,
        };
        assert_ne!(fingerprint(&t), fp);
        let mut t = s.clone();
        t.memberships[0].managed = !t.memberships[0].managed;
        assert_ne!(fingerprint(&t), fp);
        let mut t = s.clone();
        t.format = "wtmap.state/v2".into();
        assert_ne!(fingerprint(&t), fp);
    }
}
