//! Gathering pages into a snapshot. Every page's records go through the same reader as
//! `--records FILE` (so a page that a file could not hold aborts the fetch, naming the
//! request), people are de-duplicated by their ID, and the finished snapshot is the JSON
//! array `wtmap fetch` saves, read once more by that reader: live records and a saved
//! snapshot are the same records by construction.

use super::error::ConnectorError;
use super::http::Reply;
use crate::records::{ReadOptions, Record, RecordFormat, RecordsError, Shape, read_bytes};
use serde_json::Value;
use std::collections::HashSet;

/// A fetched source: what `wtmap fetch` saves, and the records a plan reads.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// `Personio`, `Flex HRM`, `Worknice`.
    pub system: &'static str,
    /// A JSON array of the system's records as they came over the wire (de-duplicated):
    /// exactly what `--records FILE` accepts for the source kind.
    pub text: String,
    /// The records read from `text`, in its order (origins have no lines: the text is not
    /// a file anyone sees unless `wtmap fetch` saves it).
    pub records: Vec<Record>,
    /// HTTP requests made, retries and authentication included.
    pub requests: usize,
    /// Records dropped because an earlier page had the same ID.
    pub duplicates: usize,
    /// Things the user should know that did not stop the fetch.
    pub warnings: Vec<String>,
}

/// Pages gathered so far.
pub(crate) struct Collector {
    system: &'static str,
    shape: &'static Shape,
    key: fn(&Value) -> Option<String>,
    items: Vec<Value>,
    seen: HashSet<String>,
    duplicates: usize,
    /// IDs of the previous page of the current sequence, to notice a server that ignores
    /// the paging parameters and repeats one page forever.
    last_page: Option<Vec<Option<String>>>,
    pub(crate) requests: usize,
    pub(crate) warnings: Vec<String>,
}

impl Collector {
    /// An empty collection of `shape` records keyed by `key`.
    pub(crate) fn new(
        system: &'static str,
        shape: &'static Shape,
        key: fn(&Value) -> Option<String>,
    ) -> Self {
        Collector {
            system,
            shape,
            key,
            items: Vec::new(),
            seen: HashSet::new(),
            duplicates: 0,
            last_page: None,
            requests: 0,
            warnings: Vec::new(),
        }
    }

    /// Records kept so far.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Starts a new sequence of pages (the next Flex company).
    pub(crate) fn restart(&mut self) {
        self.last_page = None;
    }

    /// Adds one page's records, checked by the records reader. Records without an ID are
    /// all kept: the mapping quarantines them, which is more useful than dropping them here.
    /// A non-empty page with the same IDs as the previous one is an error: the server is not
    /// paging, and the fetch would never end.
    pub(crate) fn add_page(
        &mut self,
        reply: &Reply,
        items: Vec<Value>,
        paging: &str,
    ) -> Result<(), ConnectorError> {
        let bytes = serde_json::to_vec(&items).map_err(|e| {
            reply
                .call
                .malformed(reply.status, format!("cannot re-encode records ({e})"))
        })?;
        read(&reply.call.endpoint, &bytes, self.shape)
            .map_err(|e| reply.call.records(reply.status, without_line(e)))?;
        let keys: Vec<Option<String>> = items.iter().map(self.key).collect();
        if !keys.is_empty() && self.last_page.as_ref() == Some(&keys) {
            return Err(reply.call.malformed(
                reply.status,
                format!(
                    "the page repeats the previous one, so the server seems to ignore `{paging}`"
                ),
            ));
        }
        for (item, key) in items.into_iter().zip(&keys) {
            match key {
                Some(k) if !self.seen.insert(k.clone()) => self.duplicates += 1,
                _ => self.items.push(item),
            }
        }
        self.last_page = Some(keys);
        Ok(())
    }

    /// The snapshot.
    pub(crate) fn finish(self) -> Result<Snapshot, ConnectorError> {
        let text =
            serde_json::to_string_pretty(&self.items).map_err(|e| ConnectorError::Client {
                reason: format!("cannot encode the snapshot ({e})"),
            })? + "\n";
        let name = format!("{} API", self.system);
        // Every page was read already, so this cannot fail on the records' account.
        let mut records =
            read(&name, text.as_bytes(), self.shape).map_err(|e| ConnectorError::Client {
                reason: e.to_string(),
            })?;
        // Lines of a text nobody sees would only confuse reports; `fetch --out` saves the
        // text, and reading that file gives the lines.
        for record in &mut records {
            record.origin.line = None;
        }
        Ok(Snapshot {
            system: self.system,
            text,
            records,
            requests: self.requests,
            duplicates: self.duplicates,
            warnings: self.warnings,
        })
    }
}

fn read(name: &str, bytes: &[u8], shape: &'static Shape) -> Result<Vec<Record>, RecordsError> {
    let opts = ReadOptions {
        format: Some(RecordFormat::Json),
        ..ReadOptions::new(shape, super::shapes())
    };
    read_bytes(name, bytes, &opts)
}

/// A page is re-encoded on one line, so a line number in it would mean nothing.
fn without_line(e: RecordsError) -> RecordsError {
    match e {
        RecordsError::InvalidRecord {
            name,
            record,
            problem,
            help,
            ..
        } => RecordsError::InvalidRecord {
            name,
            record,
            line: None,
            problem,
            help,
        },
        other => other,
    }
}

/// A string or number ID as text.
pub(crate) fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// "a number", "a list", … for messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
