//! What a plan or a journal was made for: the mapping (its canonical path and a SHA-256 of its
//! text) and the target (the SCIM URL, or the files folder). A journal or a plan bound to one
//! identity is never resumed or applied under another (issue 21, items 1 and 4).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The mapping and the target a plan or a journal belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The mapping file's canonical path (absolute when it cannot be resolved).
    pub mapping: String,
    /// SHA-256 (hex) of the mapping's text.
    pub mapping_sha256: String,
    /// The target: `scim:<url>` or `files:<folder>`.
    pub target: String,
}

impl Identity {
    /// The identity of the mapping at `path`, with text `text`, writing to `target`.
    pub fn new(path: &Path, text: &str, target: impl Into<String>) -> Identity {
        Identity {
            mapping: canonical(path),
            mapping_sha256: sha256_hex(text.as_bytes()),
            target: target.into(),
        }
    }

    /// Why `self` (what a plan or journal was made for) is not `now` (what this command
    /// works on), in one sentence; `None` when they are the same.
    pub fn mismatch(&self, now: &Identity) -> Option<String> {
        if self.mapping != now.mapping {
            Some(format!(
                "it was made for the mapping `{}`, not `{}`",
                self.mapping, now.mapping
            ))
        } else if self.target != now.target {
            Some(format!(
                "it was made for the target `{}`, not `{}`",
                self.target, now.target
            ))
        } else if self.mapping_sha256 != now.mapping_sha256 {
            Some(format!(
                "the mapping `{}` has changed since (sha256 {} then, {} now)",
                self.mapping,
                short(&self.mapping_sha256),
                short(&now.mapping_sha256)
            ))
        } else {
            None
        }
    }
}

/// The first 12 hex digits of a hash, for messages.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A digest in lowercase hexadecimal, as [`sha256_hex`] gives it.
pub fn hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(2 * digest.len());
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// `path` made canonical (symlinks and `..` resolved), else absolute, else as given.
pub fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_differ_by_path_target_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.b.wtmap");
        let b = dir.path().join("a_b.wtmap");
        std::fs::write(&a, "x").unwrap();
        std::fs::write(&b, "x").unwrap();
        let ia = Identity::new(&a, "x", "scim:https://a");
        let ib = Identity::new(&b, "x", "scim:https://a");
        assert!(ia.mismatch(&ib).unwrap().contains("a.b.wtmap"));
        assert!(ia.mismatch(&ia.clone()).is_none());
        let other_target = Identity::new(&a, "x", "scim:https://b");
        assert!(ia.mismatch(&other_target).unwrap().contains("target"));
        let edited = Identity::new(&a, "y", "scim:https://a");
        assert!(ia.mismatch(&edited).unwrap().contains("changed"));
        // The same file by another spelling is the same mapping.
        let dotted = dir.path().join(".").join("a.b.wtmap");
        assert_eq!(Identity::new(&dotted, "x", "scim:https://a"), ia);
    }
}
