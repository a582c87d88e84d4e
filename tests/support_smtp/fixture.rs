//! The example CSV integration (`mappings/csv.wtmap`, Kommunalbolaget) as a deterministic run:
//! in a fresh folder, delivering to a local file target instead of SFTP, starting from the
//! example's last export. On 2026-11-21 it creates, updates and pauses users, quarantines four
//! records, skips one and warns once.

use std::path::Path;

/// The example's date.
pub const TODAY: &str = "2026-11-21";

/// The fixture's folder: `kb.wtmap`, `exports/personal.csv`, `out/.wtmap/state.json`. The
/// `report to` line is replaced by `report_to` (empty: none).
pub fn kb(report_to: &str) -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mapping = std::fs::read_to_string(root.join("mappings/csv.wtmap")).unwrap();
    let start = mapping.find("  sftp {").unwrap();
    let end = start + mapping[start..].find("  }\n").unwrap() + 4;
    let mapping = format!("{}{}", &mapping[..start], &mapping[end..])
        .replace("dir = \"out/kommunalbolaget\"", "dir = \"out\"")
        .replace("report to \"hr@kommunalbolaget.example\"", report_to);
    std::fs::write(d.join("kb.wtmap"), mapping).unwrap();
    std::fs::create_dir_all(d.join("exports")).unwrap();
    std::fs::copy(
        root.join("mappings/data/csv.csv"),
        d.join("exports/personal.csv"),
    )
    .unwrap();
    std::fs::create_dir_all(d.join("out/.wtmap")).unwrap();
    std::fs::copy(
        root.join("mappings/data/csv.state.json"),
        d.join("out/.wtmap/state.json"),
    )
    .unwrap();
    dir
}

/// The single run folder under `runs` for mapping `stem`.
pub fn only_run_folder(runs: &Path, stem: &str) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir(runs.join(stem))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "run folders: {dirs:?}");
    dirs.pop().unwrap()
}
