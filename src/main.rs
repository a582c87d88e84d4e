//! The `wtmap` binary: parse the command line, run it, exit with its code.

use clap::Parser;

// glibc's allocator spends a third of a large plan in malloc/free; mimalloc is the usual
// choice of Rust language tools (ruff, uv) for allocation-heavy work.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wtmap::timings::stage("started");
    let cli = wtmap::cli::Cli::parse();
    std::process::ExitCode::from(wtmap::cli::run(cli))
}
