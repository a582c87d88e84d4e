//! The `wtmap` binary: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = wtmap::cli::Cli::parse();
    std::process::ExitCode::from(wtmap::cli::run(cli))
}
