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

/// The example folder with its guard at `pauses <= 1`: the run stops before any write.
pub fn abort_dir() -> tempfile::TempDir {
    let dir = kb("report to \"hr@kommunalbolaget.example\"");
    set_guard(dir.path(), "guard pauses <= 5%", "guard pauses <= 1");
    dir
}

/// Replaces `from` (which must be there) by `to` in `kb.wtmap`.
pub fn set_guard(dir: &Path, from: &str, to: &str) {
    let path = dir.join("kb.wtmap");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from));
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// The example folder with the records it quarantines (1038/1045, 1046, 1047) and skips
/// (1044) fixed in the HR export: a plain success.
pub fn success_dir() -> tempfile::TempDir {
    let dir = kb("report to \"hr@kommunalbolaget.example\"");
    let path = dir.path().join("exports/personal.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    // The export is Latin-1: `\xe4` is `ä`.
    let fixes: [(&[u8], &[u8]); 4] = [
        (
            b"1045;Jonas;Blomqvist;jonas.blomqvist@",
            b"1045;Jonas;Blomqvist;jonas.blomqvist2@",
        ),
        (
            b"1044;Tiina;M\xe4kinen;;",
            b"1044;Tiina;M\xe4kinen;tiina.makinen@kommunalbolaget.example;",
        ),
        (
            b";09.09.2000;18.11.2026;;;;;",
            b";09.09.2000;18.11.2026;;Kommunledningskontoret;;;",
        ),
        (b";1985-03-12;", b";12.03.1985;"),
    ];
    for (from, to) in fixes {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(from)));
        bytes.splice(at..at + from.len(), to.iter().copied());
    }
    std::fs::write(&path, bytes).unwrap();
    dir
}
