//! The `git-credential-pat` binary: recognises git's operations (the hot path) or parses a
//! person's command with clap, runs it, and reports a failure as one line on stderr. A broken
//! pipe on stdout (`list | head -1`) is a normal end, exit 0, as in ripgrep.

use clap::Parser;
use git_credential_pat::cli::{self, Cli, Command, Context, Run};
use git_credential_pat::helper::{self, Operation, Surroundings};
use git_credential_pat::{expiry, login, sys, tty};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    sys::no_core_dumps();
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some((op, ctx)) = cli::git_operation(&args) {
        return git(op, &ctx);
    }
    if args.len() <= 1 {
        // No arguments: the help (clap's own rule misses this when
        // GIT_CREDENTIAL_PAT_NAMESPACE is set, which counts as an argument).
        let help = <Cli as clap::CommandFactory>::command().render_help();
        eprint!("{help}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return parse_error(&e, &args),
    };
    let ctx = Context {
        store: cli.store,
        namespace: cli.namespace.clone(),
        now: sys::now(),
    };
    let result = match &cli.command {
        Command::Get => return git(Operation::Get, &ctx),
        Command::Store => return git(Operation::Store, &ctx),
        Command::Erase => return git(Operation::Erase, &ctx),
        Command::Login(args) => args.run(&ctx),
        Command::List(args) => args.run(&ctx),
        Command::Logout(args) => args.run(&ctx),
        Command::Token(args) => args.run(&ctx),
        Command::Exec(args) => args.run(&ctx),
        Command::Configure(args) => args.run(&ctx),
        Command::Unconfigure(args) => args.run(&ctx),
        Command::Doctor(args) => args.run(&ctx),
        Command::Agent(args) => args.run(&ctx),
        Command::Import(args) => args.run(&ctx),
        Command::Completions(args) => args.run(&ctx),
        Command::Manpage => cli::Manpage.run(&ctx),
    };
    report(result, ExitCode::FAILURE)
}

/// Runs one of git's operations on stdin and stdout. The exit code is 0 whatever happens: git
/// ignores a helper's exit code, and a failing keychain must not stop git from asking its next
/// helper.
fn git(op: Operation, ctx: &Context) -> ExitCode {
    if std::io::stdin().is_terminal() {
        eprintln!(
            "git-credential-pat: `{}` reads git's request on stdin (lines such as protocol=https \
             and host=github.com, then Ctrl-D); git runs it for you. To see your tokens: \
             git credential-pat list",
            match op {
                Operation::Get => "get",
                Operation::Store => "store",
                Operation::Erase => "erase",
            }
        );
    }
    let stderr = &mut std::io::stderr();
    // The login flow talks to the person on /dev/tty when there is one (see
    // `tty::flow_messages`), else its hint line goes to stderr.
    let mut on_missing = |request: &_, query: &_, vault: &_, err: &mut dyn std::io::Write| {
        // No child of the login flow (a text browser) may write into git's answer.
        let _aside = sys::StdoutAside::new();
        match tty::flow_messages() {
            Some(mut terminal) => login::on_missing(request, query, vault, &mut terminal, ctx.now),
            None => login::on_missing(request, query, vault, err, ctx.now),
        }
    };
    let mut deadline = sys::keychain_deadline;
    let mut around = Surroundings {
        stderr,
        on_missing: &mut on_missing,
        expiry_record: expiry::record_path(),
        deadline: &mut deadline,
        end: git_credential_pat::ending::revoke,
    };
    let result = helper::run(
        op,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        || ctx.open_vault(),
        ctx.now,
        &mut around,
    );
    report(result.map_err(Into::into), ExitCode::SUCCESS)
}

/// What clap could not parse. A word clap does not know is git's future operation when git
/// sent it (a silent exit 0, as gitcredentials(7) asks), and a typo when a person typed it
/// (clap's error with its "did you mean", exit 2).
fn parse_error(e: &clap::Error, args: &[OsString]) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::InvalidSubcommand
        && let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidSubcommand)
        && !cli::typed_by_a_person(args, word)
    {
        return ExitCode::SUCCESS;
    }
    let _ = e.print();
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

/// Prints a failure as one line; a broken pipe on stdout is not a failure.
fn report(result: anyhow::Result<()>, failure: ExitCode) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    let broken_pipe = err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    // One line: git shows a helper's stderr to the user as is.
    let msg = format!("{err:#}").replace(['\n', '\r'], " ");
    eprintln!("git-credential-pat: {msg}");
    failure
}
