//! `wtmap lsp`: the language server on stdin/stdout (docs/editors.md).

use super::exit;
use clap::Args;

/// Arguments of `lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the server until the client says `exit` (0 after `shutdown`) or closes stdin.
pub fn run(_args: LspArgs) -> u8 {
    match crate::lsp::run_stdio() {
        Ok(0) => exit::OK,
        Ok(_) => exit::FAILED,
        Err(e) => {
            eprintln!("error: wtmap lsp: {e}");
            exit::USAGE
        }
    }
}
