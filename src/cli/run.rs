//! `wtmap run MAPPING`: the nightly job (fetch → plan → guards → apply → report → email) for
//! cron, a systemd timer or a Kubernetes CronJob. The report goes to standard output and to
//! the run folder; one line on standard error says how it ended; the exit code says it to
//! the scheduler (README, "Running wtmap nightly").

use super::load::parse_date;
use super::plan::GuardOverrides;
use crate::connectors::HttpPolicy;
use crate::env::ProcessEnv;
use crate::report::EmailOutcome;
use crate::report::{render_json, render_markdown, render_text};
use crate::run::{RunOptions, Tuning, run_with_report};
use crate::winningtemp::scim::ClientOptions;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The mapping.
    pub mapping: PathBuf,
    /// Records file replacing the mapping's source (same shape as the source kind).
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
    /// Fetch the live source from this base URL instead of the mapping's (an emulator, a proxy).
    #[arg(long, value_name = "URL", conflicts_with = "records")]
    pub source_url: Option<String>,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today in the mapping's time zone.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub overrides: GuardOverrides,
    /// Where run folders and the lock are kept (default: `.wtmap/runs` beside the mapping).
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Where apply journals are kept (default: `.wtmap/journal` beside the mapping).
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Do not send the report email.
    #[arg(long)]
    pub no_email: bool,
    /// Requests in flight at once (default: the mapping's `concurrency`, else 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: Option<u16>,
    /// Seconds before one request to the target is given up (it is retried).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Attempts per request to the target, the first included.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = RunOutput::Text)]
    pub format: RunOutput,
}

/// What `run` prints on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunOutput {
    /// The report as text.
    Text,
    /// The report as Markdown.
    Markdown,
    /// The report as JSON (`wtmap.report/v2`).
    Json,
    /// Nothing (the report is in the run folder).
    None,
}

/// Runs `run`.
pub fn run(args: RunArgs) -> u8 {
    // A mistyped `--allow-field-drop` is refused before the run starts (exit 1, nothing
    // written); a mapping that does not check is left to the run, which reports it.
    if !args.overrides.allow_field_drop.is_empty()
        && let Ok(file) = crate::files::read_source(&args.mapping)
        && let (Some(program), _) = crate::check::check_source(&file)
        && let Err(code) = args.overrides.check_fields(&program)
    {
        return code;
    }
    let opts = RunOptions {
        allow: args.overrides.allow(),
        today: args.today,
        runs_dir: args.runs_dir.clone(),
        send_email: !args.no_email,
        source_url: args.source_url.clone(),
        records: args.records.clone(),
    };
    let tuning = Tuning {
        journal_dir: args.journal_dir.clone(),
        client: ClientOptions {
            concurrency: args.concurrency.map(usize::from),
            timeout: super::apply::seconds(args.timeout),
            max_attempts: args.attempts,
            ..ClientOptions::default()
        },
        http: HttpPolicy::default(),
    };
    let (summary, report) = run_with_report(&args.mapping, &opts, &tuning, &ProcessEnv);
    record_in_history(&args, &summary);
    match args.format {
        RunOutput::Text => print!("{}", render_text(&report)),
        RunOutput::Markdown => print!("{}", render_markdown(&report)),
        RunOutput::Json => print!("{}", render_json(&report)),
        RunOutput::None => {}
    }
    if let EmailOutcome::Failed { message } = &summary.email {
        eprintln!("error: the report email was not sent: {message}");
    }
    // Under --quiet a successful run says nothing; any other outcome is still named.
    let code = summary.exit_code();
    if code != 0 || !super::verbosity::quiet() {
        eprintln!(
            "{}: {}: {} (report: {})",
            summary.run_id,
            summary.status.title(),
            summary.message,
            summary.report_dir.display()
        );
    }
    code
}

/// Runs started by cron or by hand land in the same history that `wtmap history` and the
/// `serve` status page read (`serve` records its own runs itself). A history that cannot be
/// written is a warning: the run and its report stand.
fn record_in_history(args: &RunArgs, summary: &crate::run::RunSummary) {
    let runs_dir = args
        .runs_dir
        .clone()
        .unwrap_or_else(|| crate::run::default_runs_dir(&args.mapping));
    let name = args.mapping.file_stem().map_or_else(
        || args.mapping.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let record = crate::serve::run_adapter::record_of(&name, summary);
    if let Err(e) =
        crate::serve::history::History::open_in(&runs_dir).and_then(|h| h.record(&record, None))
    {
        eprintln!("warning: the run was not recorded in the history: {e}");
    }
}
