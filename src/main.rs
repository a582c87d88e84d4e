//! The `wtmap` binary: parse the command line, run it, exit with its code.

use clap::Parser;

// glibc's allocator spends a third of a large plan in malloc/free; mimalloc is the usual
// choice of Rust language tools (ruff, uv) for allocation-heavy work. Its version 2, chosen in
// Cargo.toml with the cold-run figures that chose it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Before anything else: this may start the program again (see the function).
    wtmap::allocator::settle();
    wtmap::timings::stage("started");
    // args_os: a non-UTF-8 argument (a file name) must reach clap, not panic in std::env::args.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match wtmap::cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints its own message (and --help/--version); a hint for flags that other
            // tools have under another name follows it.
            let _ = error.print();
            let words: Vec<String> = args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            if let Some(hint) = wtmap::cli::hints::render(&error, &words) {
                eprintln!("\nhint: {hint}");
            }
            let code = u8::try_from(error.exit_code()).unwrap_or(2);
            return std::process::ExitCode::from(wtmap::cli::diff::usage_exit(code, &words));
        }
    };
    std::process::ExitCode::from(wtmap::cli::run(cli))
}
