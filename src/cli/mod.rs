//! The command line: one file per subcommand, each with its `Args` and a `run` returning the
//! process exit code. `main.rs` only parses and dispatches.

pub mod apply;
pub mod apply_files;
pub mod check;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod fetch;
pub mod files;
pub mod fmt;
pub mod hints;
pub mod history;
pub mod init;
pub mod load;
pub mod lsp;
pub mod plan;
pub mod profile;
pub mod run;
pub mod schema;
pub mod serve;
pub mod state_cmd;
pub mod test;
pub mod verbosity;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;

/// The version `--version` shows: the crate's, and the commit it was built from when built
/// from a git checkout (build.rs), e.g. `0.1.0 (607dd9d 2026-12-07)`.
pub const VERSION: &str = env!("WTMAP_VERSION");

/// wtmap: type-checked HR → Winningtemp user sync.
#[derive(Debug, Parser)]
#[command(name = "wtmap", version = VERSION, about, long_about = None)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No progress or informational lines on stderr (errors, warnings and output stay).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print stage timings, memory and the command's wall time on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal only.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, stream_is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// Colour for stdout.
    pub fn stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    /// Colour for stderr.
    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, type-check and lint mappings (files or folders of *.wtmap).
    Check(check::CheckArgs),
    /// Format mappings in one canonical layout, keeping every comment.
    Fmt(fmt::FmtArgs),
    /// Show what a sync would do: create, update, pause users, teams, memberships, segments.
    Plan(plan::PlanArgs),
    /// Describe an export field by field: fill rate, distinct values, types, hints.
    Profile(profile::ProfileArgs),
    /// Write a draft mapping from an export: fields, user, gender, teams, a test.
    Init(init::InitArgs),
    /// Read the mapping's live HR source and save it as a records file (`--records` shape).
    Fetch(fetch::FetchArgs),
    /// What a change to a mapping does to people: compare two versions (files or `REV:path`).
    Diff(diff::DiffArgs),
    /// Trace one record through the mapping: every statement, the matched user, the actions.
    Explain(explain::ExplainArgs),
    /// Run the `test` blocks of mappings.
    Test(test::TestArgs),
    /// Print the fields and settings a source kind offers, with their types.
    Schema(schema::SchemaArgs),
    /// Apply a plan to the mapping's target (behind the guards, journaled, resumable).
    Apply(apply::ApplyArgs),
    /// Read what the mapping's target holds now, as `wtmap.state/v1`.
    State(state_cmd::StateArgs),
    /// The nightly job: fetch, plan, guards, apply, report and email, under a lock.
    Run(run::RunArgs),
    /// Run every mapping in a folder on its schedule, with a run history and a status page.
    Serve(serve::ServeArgs),
    /// List the runs `serve` recorded, with their counts and report paths.
    History(history::HistoryArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (or write one page per command with --out-dir).
    Man(completions::ManArgs),
    /// Language server for editors (LSP over stdio): diagnostics, completion, hover, fixes.
    Lsp(lsp::LspArgs),
}

/// Exit codes shared by all commands.
pub mod exit {
    /// Success, nothing to report.
    pub const OK: u8 = 0;
    /// The input has errors (or warnings under --deny-warnings).
    pub const FAILED: u8 = 1;
    /// Usage or I/O error: nothing was checked or done.
    pub const USAGE: u8 = 2;
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> u8 {
    verbosity::set(cli.quiet, cli.verbose);
    let started = std::time::Instant::now();
    let code = dispatch(cli);
    if verbosity::verbose() {
        eprintln!(
            "finished in {:.3} s (exit code {code})",
            started.elapsed().as_secs_f64()
        );
    }
    code
}

fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check::run(args, cli.color),
        Command::Fmt(args) => fmt::run(args, cli.color),
        Command::Plan(args) => plan::run(args, cli.color),
        Command::Profile(args) => profile::run(args),
        Command::Init(args) => init::run(args, cli.color),
        Command::Explain(args) => explain::run(args, cli.color),
        Command::Diff(args) => diff::run(args, cli.color),
        Command::Fetch(args) => fetch::run(args, cli.color),
        Command::Test(args) => test::run(args, cli.color),
        Command::Schema(args) => schema::run(args),
        Command::Apply(args) => apply::run(args, cli.color),
        Command::State(args) => state_cmd::run(args, cli.color),
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::run(args),
        Command::History(args) => history::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Lsp(args) => lsp::run(args),
    }
}
