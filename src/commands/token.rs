//! `git credential-pat token [HOST|URL] [--user NAME] [--show | --copy]`: the token git would
//! be served for a host, for a second tool (`gh auth login --with-token`, a web form), so that
//! the tool uses the same tracked token and no second one is made.
//!
//! The token is chosen by [`helper::get`], exactly as for git: the same user (the URL's, else
//! git's `credential.<url>.username`; a line on stderr when it is another account's token), the
//! `--default` mark, the lab timer (an ended lab erases the token and prints nothing) and the
//! expiry.
//!
//! `--copy` waits, with a countdown on stderr, rather than forking a clearer: on X11 the
//! clipboard is not a buffer but a promise by the owning process to answer for the selection,
//! so the process that set it must stay alive while the token is meant to be there (arboard
//! serves it from a thread of this process). Waiting keeps that one process, shows the person
//! how long the token stays, and ends with the clipboard cleared (unless something else was
//! copied meanwhile, as `pass -c` does). Ctrl-C, `kill` and a closed terminal clear it at once:
//! a process that just died would leave the token to whatever keeps a copy of the selection
//! when its owner goes (mutter, GNOME's window manager, does). The copy is marked as a secret
//! for clipboard histories (see [`copy`]).

use crate::cli::{self, Context, DEFAULT_HOST, Run};
use crate::helper;
use anyhow::{Context as _, bail};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

impl Run for cli::Token {
    /// Runs `token`.
    ///
    /// # Errors
    /// When the target is not a host or https URL, the keychain fails, no token is served for
    /// the host, stdout is a terminal without `--show`, or (`--copy`) there is no clipboard.
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout();
        if !self.copy && !self.show && stdout.is_terminal() {
            bail!(
                "stdout is a terminal, where the token would stay on the screen and in the \
                 scrollback: pipe it (git credential-pat token | gh auth login --with-token), \
                 put it on the clipboard (--copy), or print it anyway (--show)"
            );
        }
        let target = self.target.as_deref().unwrap_or(DEFAULT_HOST);
        let token = helper::handed_over(
            target,
            self.user.as_deref(),
            &ctx.open_vault()?,
            ctx.now,
            crate::ending::revoke,
        )?
        .token;
        if self.copy {
            return copy(&token, Duration::from_secs(self.clear_after));
        }
        let mut line = Zeroizing::new(String::with_capacity(token.expose_secret().len() + 1));
        line.push_str(token.expose_secret());
        line.push('\n');
        stdout.write_all(line.as_bytes())?;
        stdout.flush()?;
        Ok(())
    }
}

/// What the clipboard was found to hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// The token (this process's selection, or a copy of it).
    Token,
    /// Other text: something else was copied.
    Other,
    /// It could not be read (no answer, an error, no text): the token may still be there.
    Unknown,
}

/// Reads the clipboard and compares it with `token`.
fn holds(clipboard: &mut arboard::Clipboard, token: &SecretString) -> Holds {
    match clipboard.get_text().map(Zeroizing::new) {
        Ok(text) if text.as_str() == token.expose_secret() => Holds::Token,
        Ok(_) => Holds::Other,
        Err(_) => Holds::Unknown,
    }
}

/// Puts `token` on the clipboard, marked as a secret for clipboard histories, counts `keep`
/// down on stderr, then clears the clipboard unless something else was copied meanwhile. A
/// signal that ends the wait (Ctrl-C, `kill`, the terminal closing) clears it at once, then
/// the process exits with 128 + the signal's number; a clipboard that cannot be read is
/// cleared rather than kept.
///
/// The mark is the `x-kde-passwordManagerHint` target (`secret`), which Klipper, CopyQ and
/// GPaste honour, set by arboard's `exclude_from_history`, which also offers no `SAVE_TARGETS`
/// (so no clipboard manager is asked to keep a copy) and gives the selection up rather than
/// handing it over when this process lets go. Clearing gives the selection up (the owner
/// becomes None): a window manager that keeps a copy of the selection when its owner's
/// connection closes (mutter does) then keeps nothing.
///
/// # Errors
/// When there is no clipboard (no graphical session) or it refuses the text.
fn copy(token: &SecretString, keep: Duration) -> anyhow::Result<()> {
    if cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|d| d.is_empty())
    {
        bail!(
            "there is no clipboard here (neither DISPLAY nor WAYLAND_DISPLAY is set: no \
             graphical session); pipe the token instead: git credential-pat token | COMMAND"
        );
    }
    // Before the clipboard's thread starts, which must not take the signals either.
    let signals = crate::sys::EndingSignals::catch();
    let mut clipboard = arboard::Clipboard::new().context("could not open the clipboard")?;
    set_secret(&mut clipboard, token).context("could not put the token on the clipboard")?;
    let err = &mut std::io::stderr();
    let start = Instant::now();
    let mut ended_by = None;
    let mut changed = false;
    while let Some(left) = keep.checked_sub(start.elapsed()).filter(|d| !d.is_zero()) {
        let _ = write!(
            err,
            "\rThe token is on the clipboard; it is cleared in {:>2} s (Ctrl-C clears it now). ",
            left.as_secs_f64().ceil() as u64
        );
        let _ = err.flush();
        if let Some(signal) = signals.wait(left.min(Duration::from_secs(1))) {
            ended_by = Some(signal);
            break;
        }
        if holds(&mut clipboard, token) == Holds::Other {
            changed = true;
            break;
        }
    }
    if changed {
        let _ = writeln!(
            err,
            "\rSomething else was copied; the clipboard is left as it is.                    "
        );
    } else {
        // The token, or what could not be read, which may be the token: cleared.
        if holds(&mut clipboard, token) != Holds::Other {
            clipboard.clear().context("could not clear the clipboard")?;
        }
        let _ = writeln!(
            err,
            "\rThe clipboard is cleared.                                                      "
        );
    }
    if let Some(signal) = ended_by {
        drop(clipboard);
        std::process::exit(128 + signal);
    }
    Ok(())
}

/// Puts `token` on the clipboard as a secret, with arboard's `exclude_from_history`: on Linux
/// and the BSDs the `x-kde-passwordManagerHint` target (see [`copy`]), on macOS the
/// nspasteboard.org marks, on Windows out of the clipboard history and the cloud clipboard.
fn set_secret(clipboard: &mut arboard::Clipboard, token: &SecretString) -> anyhow::Result<()> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    {
        use arboard::SetExtLinux;
        clipboard
            .set()
            .exclude_from_history()
            .text(token.expose_secret())?;
    }
    #[cfg(target_os = "macos")]
    {
        use arboard::SetExtApple;
        clipboard
            .set()
            .exclude_from_history()
            .text(token.expose_secret())?;
    }
    #[cfg(windows)]
    {
        use arboard::SetExtWindows;
        clipboard
            .set()
            .exclude_from_history()
            .exclude_from_cloud()
            .text(token.expose_secret())?;
    }
    #[cfg(any(
        target_os = "android",
        target_os = "emscripten",
        not(any(unix, windows))
    ))]
    clipboard.set_text(token.expose_secret())?;
    Ok(())
}
