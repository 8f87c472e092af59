//! The layout docs/ARCHITECTURE.md states, checked on the source itself: each module uses only
//! the modules in the rows below its own in the "Which module may use which" table (so the
//! module graph has no cycle), every library module has a row, no command imports another, no
//! source file is over 600 lines, and `unsafe` appears only in `src/sys.rs`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The row of each module in docs/ARCHITECTURE.md's table between the layer markers.
fn rows() -> BTreeMap<String, usize> {
    let doc = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let table = doc
        .split_once("<!-- layers:")
        .and_then(|(_, rest)| rest.split_once("<!-- end of layers -->"))
        .expect("docs/ARCHITECTURE.md has the layer table between its markers")
        .0;
    let mut rows = BTreeMap::new();
    for line in table.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(row) = cells.get(1).and_then(|c| c.parse::<usize>().ok()) else {
            continue;
        };
        for module in cells[2].split(',') {
            rows.insert(module.trim().trim_matches('`').to_owned(), row);
        }
    }
    rows
}

/// The top-level module a file under `src/` belongs to: `src/forge/api.rs` → `forge`.
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(root().join("src")).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// Whether `file` holds unit tests only (`tests.rs`, a file under a `tests/` directory of
/// `src/`, or the forge's shared test helpers).
fn is_test_file(file: &Path) -> bool {
    let rel = file.strip_prefix(root().join("src")).unwrap();
    rel.components()
        .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs")
        || rel.ends_with("testutil.rs")
}

/// The code of `file` without comments and without what follows its `#[cfg(test)]`.
fn code(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` names as `crate::NAME` or inside `use crate::{…}`.
fn uses(code: &str, known: &BTreeMap<String, usize>) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|n| n.trim().split("::").next().unwrap_or_default())
                .collect(),
            None => vec![
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap(),
            ],
        };
        for name in names {
            if known.contains_key(name) && !found.iter().any(|f| f == name) {
                found.push(name.to_owned());
            }
        }
    }
    found
}

#[test]
fn each_module_uses_only_the_rows_below_it() {
    let rows = rows();
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line
            .trim()
            .strip_prefix("pub mod ")
            .or_else(|| line.trim().strip_prefix("pub(crate) mod "))
        {
            let name = name.trim_end_matches(';');
            assert!(
                rows.contains_key(name),
                "src/lib.rs declares `{name}`, which has no row in docs/ARCHITECTURE.md"
            );
        }
    }
    let mut broken = Vec::new();
    for file in sources(&root().join("src")) {
        let module = module_of(&file);
        if module == "main" || module == "lib" || is_test_file(&file) {
            continue;
        }
        let own = rows[&module];
        for used in uses(&code(&file), &rows) {
            if used != module && rows[&used] <= own {
                broken.push(format!(
                    "{} (`{module}`, row {own}) uses `{used}` (row {})",
                    file.strip_prefix(root()).unwrap().display(),
                    rows[&used]
                ));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn no_command_imports_another() {
    let dir = root().join("src/commands");
    let commands: Vec<String> = sources(&dir)
        .iter()
        .filter(|f| f.parent() == Some(dir.as_path()))
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| s != "mod")
        .collect();
    for file in sources(&dir) {
        if is_test_file(&file) {
            continue;
        }
        let code = code(&file);
        for other in &commands {
            for path in [format!("commands::{other}"), format!("super::{other}")] {
                assert!(
                    !code.contains(&path),
                    "{} names `{path}`: what two commands share belongs to the module that owns it",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines_and_unsafe_is_only_in_sys() {
    for file in sources(&root().join("src")) {
        let text = fs::read_to_string(&file).unwrap();
        let lines = text.lines().count();
        assert!(lines <= MAX_LINES, "{} has {lines} lines", file.display());
        if file != root().join("src/sys.rs") {
            // The whole file, tests included: a test's `unsafe` belongs in src/sys.rs too.
            let code: String = text
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                !code.contains("unsafe {")
                    && !code.contains("unsafe fn")
                    && !code.contains("unsafe impl"),
                "{} has unsafe code; it belongs in src/sys.rs",
                file.display()
            );
        }
    }
}
