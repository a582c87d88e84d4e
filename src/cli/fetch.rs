//! `wtmap fetch MAPPING [--out FILE]`: read the mapping's live HR source and save it in the
//! shape `--records FILE` accepts, so a mapping can be iterated on offline. Also the live
//! fetch behind `plan` (and `explain`) when no records file is given.

use super::files::write_atomic;
use super::load::load_program;
use super::{ColorChoice, exit};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The mapping whose source to read.
    pub mapping: PathBuf,
    /// Write the records to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read from this base URL instead of the mapping's (a local emulator, a proxy).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
}

/// Runs `fetch`.
pub fn run(args: FetchArgs, color: ColorChoice) -> u8 {
    let (_, program) = match load_program(&args.mapping, color.stderr()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let fetched = super::plan::with_fetch_options(|options| {
        crate::sync::fetch_live(&program, args.source_url.as_deref(), options)
    });
    let snapshot = match fetched {
        Ok(fetched) => {
            super::plan::print_notes(&fetched.notes);
            fetched.value
        }
        Err(e) => return super::plan::source_failed(&e, "saved"),
    };
    match &args.out {
        Some(path) => {
            if let Err(e) = write_atomic(path, snapshot.text.as_bytes()) {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
            eprintln!(
                "{} records from {} written to {}; plan from them with `--records {}`",
                snapshot.records.len(),
                snapshot.system,
                path.display(),
                path.display()
            );
        }
        None => print!("{}", snapshot.text),
    }
    exit::OK
}
