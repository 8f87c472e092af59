//! The `git-credential-pat` binary: parses arguments, runs, and reports a failure as one line
//! on stderr. Everything else lives in the library (`src/lib.rs`).

use clap::Parser;
use git_credential_pat::cli;

fn main() {
    git_credential_pat::sys::no_core_dumps();
    let cli = cli::Cli::parse();
    let (failure_code, result) = cli::run(cli);
    if let Err(err) = result {
        // One line: git shows a helper's stderr to the user as is.
        let msg = format!("{err:#}").replace(['\n', '\r'], " ");
        eprintln!("git-credential-pat: {msg}");
        std::process::exit(failure_code);
    }
}
