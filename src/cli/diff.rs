//! `wtmap diff OLD NEW`: what a change to a mapping does to people. Both versions run over the
//! same records and state through the pipeline `plan` uses ([`crate::mapdiff`]); exit 0 when
//! no person's outcome changes, 2 when some do, 1 on errors.

use super::load::{parse_date, print_diagnostics};
use super::plan::parse_records_format;
use super::{ColorChoice, exit};
use crate::check::{Program, check_source};
use crate::mapdiff::{compare, plan_sides, render_human, render_markdown, write_json};
use crate::source::SourceFile;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit code when some person's outcome changes.
pub const CHANGES: u8 = 2;

/// The exit code of a command line clap refused with `code`: for `diff`, whose 2 means "people
/// change", a usage error is 1, as every other error of `diff`; other commands keep `code`.
pub fn usage_exit(code: u8, words: &[String]) -> u8 {
    let subcommand = words.iter().skip(1).find(|w| !w.starts_with('-'));
    if code == 2 && subcommand.is_some_and(|w| w == "diff") {
        exit::FAILED
    } else {
        code
    }
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old mapping: a file, or a file at a git revision, `REV:path`
    /// (`origin/main:mappings/acme.wtmap`, read with `git show`).
    pub old: String,
    /// The new mapping: a file, or `REV:path`.
    pub new: String,
    /// Records file both versions run over (else the new version's source `path`, else its
    /// live source, fetched once).
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
    /// The records' format when the file name does not say it: csv, json, ndjson or yaml.
    #[arg(long, value_name = "FORMAT", requires = "records", value_parser = parse_records_format)]
    pub records_format: Option<crate::records::RecordFormat>,
    /// Current Winningtemp state (`wtmap.state/v1` JSON) both versions are planned against;
    /// without it the directory is empty.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today in the new mapping's time zone.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
}

/// Diff output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Summary, plans side by side, changes grouped by kind.
    Human,
    /// `wtmap.diff/v1` (docs/diff.md, docs/diff.schema.json).
    Json,
    /// For pull-request comments, detail collapsed.
    Markdown,
}

/// A version of the mapping: its text and the path its relative settings (a file source's
/// `path`) are resolved against.
struct Version {
    file: SourceFile,
    path: PathBuf,
    program: Program,
}

/// Reads `spec`: a file when one exists at that path, else `REV:path` through `git show`.
fn read_version(spec: &str) -> Result<(SourceFile, PathBuf), String> {
    let as_path = Path::new(spec);
    if as_path.is_file() {
        return crate::files::read_source(as_path)
            .map(|f| (f, as_path.to_path_buf()))
            .map_err(|e| e.to_string());
    }
    let Some((rev, path)) = spec
        .split_once(':')
        .filter(|(r, p)| !r.is_empty() && !p.is_empty())
    else {
        return Err(format!(
            "cannot read `{spec}`: no such file (a git revision is given as `REV:path`, e.g. `origin/main:{spec}`)"
        ));
    };
    let output = std::process::Command::new("git")
        .args(["show", "--no-textconv", &format!("{rev}:{path}")])
        .output()
        .map_err(|e| format!("cannot run `git show {spec}`: {e}"))?;
    if !output.status.success() {
        let reason = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "cannot read `{spec}`: neither a file nor a file at a git revision (`git show` says: {})",
            crate::escape::line(reason.trim())
        ));
    }
    let file = crate::files::source_from_bytes(spec, output.stdout).map_err(|e| e.to_string())?;
    Ok((file, PathBuf::from(path)))
}

fn load(spec: &str, color: ColorChoice) -> Result<Version, u8> {
    let (file, path) = read_version(spec).map_err(|e| {
        eprintln!("error: {e}");
        exit::FAILED
    })?;
    let (program, diags) = check_source(&file);
    print_diagnostics(&diags, &file, color.stderr());
    match program {
        Some(program) => Ok(Version {
            file,
            path,
            program,
        }),
        None => {
            eprintln!(
                "error: `{}` has {} error(s); run `wtmap check` for details",
                file.name,
                diags.error_count()
            );
            Err(exit::FAILED)
        }
    }
}

/// Runs `diff`.
pub fn run(args: DiffArgs, color: ColorChoice) -> u8 {
    match diff(&args, color) {
        Ok(code) => code,
        // Every failure is 1: 2 means "people change".
        Err(_) => exit::FAILED,
    }
}

fn diff(args: &DiffArgs, color: ColorChoice) -> Result<u8, u8> {
    let old = load(&args.old, color)?;
    let new = load(&args.new, color)?;
    let current = match &args.state {
        Some(path) => crate::state::read_state(path).map_err(|e| {
            eprintln!("error: {e}");
            exit::FAILED
        })?,
        None => crate::model::CurrentState::empty(),
    };
    let today = args
        .today
        .unwrap_or_else(|| crate::sync::today_in(&new.program));
    // The records are read once, each record evaluated by both versions as it is read; read
    // twice only when the old version reads the file differently (another source kind,
    // delimiter or encoding). A live source is fetched once.
    let records_path = args
        .records
        .clone()
        .or_else(|| crate::sync::source_file(&new.program, &new.path));
    let desired_of = |program: &Program, path: &Path| {
        let file = crate::sync::RecordsFile {
            path,
            format: args.records_format,
        };
        crate::sync::desire_from_file(program, file, today).map_err(|e| records_failed(&e))
    };
    let (old_desired, new_desired) = match &records_path {
        Some(path)
            if crate::eval::read_options(&old.program)
                == crate::eval::read_options(&new.program) =>
        {
            let file = crate::sync::RecordsFile {
                path,
                format: args.records_format,
            };
            crate::sync::desire_both_from_file(&old.program, &new.program, file, today)
                .map_err(|e| records_failed(&e))?
        }
        Some(path) => (
            desired_of(&old.program, path)?,
            desired_of(&new.program, path)?,
        ),
        None => {
            let source = crate::sync::RecordsSource::Live { base_url: None };
            let records = super::plan::records_from(&new.program, &source, "compared")
                .map_err(|_| exit::FAILED)?;
            (
                crate::sync::desire(&old.program, &records, today),
                crate::sync::desire(&new.program, &records, today),
            )
        }
    };
    crate::timings::stage("desired states built");
    let (old_side, new_side) = plan_sides(
        (&old.file.name, &old.program, old_desired),
        (&new.file.name, &new.program, new_desired),
        &current,
    );
    crate::timings::stage("both versions planned");
    let result = compare(&old_side, &new_side);
    crate::timings::stage("versions compared");
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        // Written as it is rendered (as `plan` writes its JSON): the text of 100,000 changes
        // is never held whole.
        DiffFormat::Json => write_json(&result, &mut stdout),
        DiffFormat::Human => stdout.write_all(render_human(&result).as_bytes()),
        DiffFormat::Markdown => stdout.write_all(render_markdown(&result).as_bytes()),
    };
    if let Err(e) = written.and_then(|()| stdout.flush()) {
        eprintln!("error: cannot write the diff to standard output: {e}");
        return Err(exit::FAILED);
    }
    crate::timings::stage("diff written");
    let code = if result.changes_people() {
        CHANGES
    } else {
        exit::OK
    };
    // As `plan`: the process ends here, the operating system reclaims the memory at once.
    std::mem::forget(result);
    std::mem::forget((old_side, new_side));
    Ok(code)
}

/// Reports a records file that could not be read; nothing was compared.
fn records_failed(e: &crate::records::RecordsError) -> u8 {
    eprintln!("error: {e}");
    if let Some(help) = miette::Diagnostic::help(e) {
        eprintln!("help: {help}");
    }
    eprintln!("nothing was compared");
    exit::FAILED
}
