//! `wtmap history [MAPPING]`: the runs `wtmap serve` recorded, newest first, with their
//! counts and report paths.

use super::exit;
use crate::serve::history::{self, History, StoredRun};
use crate::serve::runner::outcome_class;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A mapping, by name (`flex`) or file (`mappings/flex.wtmap`); every mapping when left out.
    pub mapping: Option<String>,
    /// The runs folder holding `history.sqlite3` [default: `.wtmap/runs` beside the mapping
    /// file, or in the current folder].
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// How many runs to list.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Human)]
    pub format: HistoryFormat,
}

/// History output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// One line per run.
    Human,
    /// `wtmap.history/v1`: `{"format", "runs": [...]}`.
    Json,
}

/// A run with the path of its HTML report.
#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    run: StoredRun,
    report: Option<PathBuf>,
}

/// The mapping name and default runs folder an argument stands for: a file (`x/flex.wtmap`)
/// names `flex` with runs in `x/.wtmap/runs`; a bare name uses `./.wtmap/runs`.
fn mapping_and_dir(mapping: Option<&str>) -> (Option<String>, PathBuf) {
    let Some(arg) = mapping else {
        return (None, crate::serve::default_runs_dir(Path::new(".")));
    };
    let path = Path::new(arg);
    let is_file = arg.ends_with(".wtmap") || path.components().count() > 1;
    if !is_file {
        return (
            Some(arg.to_string()),
            crate::serve::default_runs_dir(Path::new(".")),
        );
    }
    let name = path
        .file_stem()
        .map_or_else(|| arg.to_string(), |s| s.to_string_lossy().into_owned());
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    (
        Some(name),
        crate::serve::default_runs_dir(dir.unwrap_or(Path::new("."))),
    )
}

/// Runs `history`.
pub fn run(args: HistoryArgs) -> u8 {
    let (mapping, default_dir) = mapping_and_dir(args.mapping.as_deref());
    let runs_dir = args.runs_dir.unwrap_or(default_dir);
    let path = history::path_in(&runs_dir);
    let db = match History::open_existing(&path) {
        Ok(Some(db)) => db,
        Ok(None) => {
            eprintln!(
                "error: no run history at `{}`; `wtmap serve DIR` keeps it in DIR/.wtmap/runs \
                 (or in its --runs-dir): pass that folder as --runs-dir",
                path.display()
            );
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let runs = match db.runs(mapping.as_deref(), args.limit) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let listed: Vec<Listed> = runs
        .into_iter()
        .map(|run| {
            let report = run
                .report_dir
                .as_ref()
                .map(|d| d.join("report.html"))
                .filter(|p| p.is_file());
            Listed { run, report }
        })
        .collect();
    match args.format {
        HistoryFormat::Json => {
            let doc = serde_json::json!({"format": "wtmap.history/v1", "runs": listed});
            match serde_json::to_string_pretty(&doc) {
                Ok(text) => println!("{text}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            }
        }
        HistoryFormat::Human => {
            if listed.is_empty() {
                match &mapping {
                    Some(m) => eprintln!("no runs of `{m}` in `{}`", path.display()),
                    None => eprintln!("no runs in `{}`", path.display()),
                }
            } else {
                print!("{}", render_human(&listed));
            }
        }
    }
    exit::OK
}

fn render_human(runs: &[Listed]) -> String {
    use crate::escape::line;
    let width = runs
        .iter()
        .map(|r| line(&r.run.mapping).chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{:<20}  {:<width$}  {:<23}  {:>8}  {}\n",
        "STARTED (UTC)", "MAPPING", "STATUS", "TOOK", "COUNTS · REPORT"
    );
    for l in runs {
        let r = &l.run;
        let took = r.finished.map_or_else(
            || "-".to_string(),
            |f| duration((f - r.started).num_seconds()),
        );
        let counts: Vec<String> = r
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{} {n}", line(&k.replace('_', " "))))
            .collect();
        let counts = if counts.is_empty() {
            "-".to_string()
        } else {
            counts.join(", ")
        };
        let report = l
            .report
            .as_ref()
            .or(r.report_dir.as_ref())
            .map_or_else(String::new, |p| {
                format!(" · {}", line(&p.display().to_string()))
            });
        out.push_str(&format!(
            "{:<20}  {:<width$}  {:<23}  {took:>8}  {counts}{report}\n",
            r.started.format("%Y-%m-%d %H:%M:%S"),
            line(&r.mapping),
            line(&r.status),
        ));
        if outcome_class(&r.status) != "ok" && !r.message.is_empty() {
            out.push_str(&format!("{:<20}  ↳ {}\n", "", line(&r.message)));
        }
    }
    out
}

fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("\n2026-01-01 00:00:00  evil  success".to_string()),
            Just("\x1b[2J".to_string()),
            Just("\x1b]8;;http://evil.example/\x07".to_string()),
            Just("\u{9b}".to_string()),
            Just("\r".to_string()),
            any::<char>().prop_map(String::from),
            "[a-z ]{0,5}",
        ];
        proptest::collection::vec(piece, 1..5).prop_map(|v| v.concat())
    }

    proptest! {
        // Issue 21, item 7: what a run recorded (a mapping's name, a server's message, a
        // folder) never reaches the terminal raw, nor adds a line.
        #[test]
        fn history_lines_cannot_be_forged(mapping in hostile(), message in hostile(), dir in hostile()) {
            let run = StoredRun {
                id: 1,
                mapping,
                run_id: "r".into(),
                status: "failed".into(),
                scheduled: None,
                started: chrono::DateTime::UNIX_EPOCH,
                finished: None,
                counts: Default::default(),
                report_dir: Some(PathBuf::from(dir)),
                message: format!("m{message}"),
                email: String::new(),
            };
            let text = render_human(&[Listed { run, report: None }]);
            prop_assert!(!text.chars().any(|c| crate::escape::is_unsafe(c) && c != '\n'), "{text:?}");
            prop_assert_eq!(text.lines().count(), 3, "{}", text);
        }
    }
}
