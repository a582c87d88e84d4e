//! End to end with a real editor: Neovim (headless) opens a mapping with an error, starts
//! `wtmap lsp` through its own LSP client, and reports (tests/nvim/lsp_e2e.lua) the
//! diagnostics it shows, the completion items it gets and the text after formatting.
//!
//! Neovim is required: `scripts/test.sh` installs Debian's `neovim`. Without `nvim` on PATH (or
//! at `WTMAP_NVIM`) this test FAILS. The one opt-out is the one for every peer:
//! `WTMAP_SKIP_PEERS=1` reports it as ignored.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wtmap::source::SourceFile;

/// An unformatted mapping with one error: `Fist` is not a field (E0101 on line 13).
const MAPPING: &str = r#"source csv { path = "people.csv" }

fields {
  Id: text
  Email: text
  First: text
  Last: text
}

target winningtemp.files { dir = "out" }

user {
  external_id = Id
  username    =   Email
  first_name  = Fist
  last_name   = Last
}
"#;

fn nvim() -> Option<String> {
    if let Ok(path) = std::env::var("WTMAP_NVIM") {
        return Some(path);
    }
    let found = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| "nvim".to_string())
}

#[test]
#[cfg_attr(
    wtmap_skip_peers,
    ignore = "needs a real peer; WTMAP_SKIP_PEERS is set"
)]
fn neovim_shows_diagnostics_completes_and_formats() {
    let nvim = nvim().expect(
        "Neovim (`nvim`) is needed for this test: run scripts/test.sh (it installs neovim), \
         set WTMAP_NVIM, or opt out of peer tests with WTMAP_SKIP_PEERS=1",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.wtmap");
    std::fs::write(&file, MAPPING).unwrap();
    let out = dir.path().join("result.json");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nvim/lsp_e2e.lua");
    let (line, col) = (14, "  first_name  = ".len());
    let mut child = Command::new(&nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("WTMAP_BIN", env!("CARGO_BIN_EXE_wtmap"))
        .env("WTMAP_FILE", &file)
        .env("WTMAP_OUT", &out)
        .env("WTMAP_LINE", line.to_string())
        .env("WTMAP_COL", col.to_string())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("Neovim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&out).expect("Neovim wrote its results");
    let result: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["client"], true, "{result}");

    // The diagnostic Neovim shows: E0101 on line 15 (0-based 14), at `Fist`.
    let diags = result["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{result}");
    assert_eq!(diags[0]["code"], "E0101", "{result}");
    assert_eq!(diags[0]["lnum"], 14, "{result}");
    assert_eq!(diags[0]["col"], 16, "{result}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `First`?")
    );

    // Completion after `first_name  = `: the declared fields, and builtins.
    let labels: Vec<&str> = result["completion"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for wanted in ["First", "Email", "lower", "trim"] {
        assert!(labels.contains(&wanted), "{wanted} in {labels:?}");
    }

    // Formatting: the buffer now holds exactly what `wtmap fmt` makes of the text.
    let expected = wtmap::format::format_source(&SourceFile::new("acme.wtmap", MAPPING)).unwrap();
    assert_ne!(expected, MAPPING);
    assert_eq!(result["formatted"].as_str().unwrap(), expected, "{result}");
}
