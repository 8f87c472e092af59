//! git's `credential.helper` values: how git runs one (gitcredentials(7), "CUSTOM HELPERS";
//! credential.c, `credential_do`), whether one runs this binary, the namespace it names, and
//! the value `configure` writes for a path that needs quoting.

use super::*;

/// The helper binary's file name; git runs `credential.helper = pat` as `git-credential-pat`.
pub(crate) const BIN_NAME: &str = "git-credential-pat";

/// The command git runs for a `credential.helper` value, as words (git's credential.c,
/// `credential_do`; gitcredentials(7), "CUSTOM HELPERS"): a value starting with `!` is a shell
/// command; an absolute path is run as is, through the shell, so a space in it splits it; any
/// other value `foo …` runs `git credential-foo …`. All three go through `sh`, so the words
/// are split as `sh` splits them, quotes removed, and `git credential-foo` is given as the
/// program git then runs, `git-credential-foo`:
/// `pat --namespace=x` is `["git-credential-pat", "--namespace=x"]`,
/// `!'/a b/git-credential-pat' get` is `["/a b/git-credential-pat", "get"]`.
///
/// A quoted path without `!` (`'/a b/git-credential-pat'`, which an older `configure` wrote)
/// is `git credential-'/a b/…'`, which git cannot run: its program is
/// `git-credential-/a b/git-credential-pat`, a path no file has.
/// `None` for an empty value or one the shell could not split (an unclosed quote).
pub(crate) fn helper_words(value: &str) -> Option<Vec<String>> {
    let (command, named) = match value.strip_prefix('!') {
        Some(command) => (command, false),
        None => (value, !git_absolute(value)),
    };
    let mut words = shell_words::split(command).ok()?;
    if words.is_empty() {
        return None;
    }
    if named {
        words[0] = format!("git-credential-{}", words[0]);
    } else if words.len() > 1
        && Path::new(&words[0]).file_name().is_some_and(|f| f == "git")
        && words[1].starts_with("credential-")
    {
        // `!git credential-foo`: git runs `git-credential-foo`.
        let sub = words.remove(1);
        words[0] = format!("git-{sub}");
    }
    Some(words)
}

/// Whether git takes a helper value as an absolute path (git-compat-util.h,
/// `is_absolute_path`): it starts with `/`; on Windows also with `\` or a drive (`C:`).
fn git_absolute(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.starts_with('/')
        || (cfg!(windows)
            && (value.starts_with('\\')
                || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')))
}

/// The program git runs for a `credential.helper` value ([`helper_words`]' first):
/// `git-credential-pat` for `pat`, `/a b/git-credential-pat` for
/// `!'/a b/git-credential-pat' --namespace=x`, `git-credential-store` for `store`.
pub(crate) fn helper_program(value: &str) -> Option<String> {
    helper_words(value)?.into_iter().next()
}

/// Whether a configured helper value runs this binary (or, written by an older `configure`,
/// was meant to: a quoted path git cannot run still counts, so that `configure` replaces it
/// and `unconfigure` removes it).
pub(crate) fn is_ours(value: &str) -> bool {
    helper_program(value).is_some_and(|p| Path::new(&p).file_name().is_some_and(|f| f == BIN_NAME))
}

/// The `--namespace` a helper value of this binary's passes (`--namespace=N` or
/// `--namespace N`, before the operation git appends); `None` for another helper's value, or
/// for one without a namespace.
pub(crate) fn helper_namespace(value: &str) -> Option<String> {
    if !is_ours(value) {
        return None;
    }
    let words = helper_words(value)?;
    let mut args = words.iter().skip(1);
    let mut found = None;
    while let Some(arg) = args.next() {
        if let Some(ns) = arg.strip_prefix("--namespace=") {
            found = Some(ns.to_owned());
        } else if arg == "--namespace" {
            found = args.next().cloned();
        }
    }
    found.filter(|ns| !ns.is_empty())
}

/// Every namespace that a helper command of this binary's in git's config (outside any
/// repository: system, global, `git -c`) names with `--namespace`, sorted, each once: the
/// namespaces whose tokens git may be served, which `list` shows only when asked for.
pub(crate) fn configured_namespaces() -> Vec<String> {
    let mut all: Vec<String> = helper_entries()
        .iter()
        .filter_map(|e| helper_namespace(&e.value))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The `credential.helper` value that runs the program at `path` (options may follow it after
/// a space): the path as is when it holds only characters the shell takes literally, else `!`
/// and the path in single quotes for the shell (gitcredentials(7): a value
/// starting with `!` is run by the shell; a bare absolute path is split at its spaces, and a
/// quoted one without `!` is taken for the name of a `git credential-…` command).
pub(crate) fn helper_value_for_path(path: &str) -> String {
    if !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        path.to_owned()
    } else {
        format!("!'{}'", path.replace('\'', r"'\''"))
    }
}
