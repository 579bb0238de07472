//! The layer rule, checked: every file under `src/` belongs to the layer of
//! its top-level module (its folder, or the file itself for `src/<name>.rs`),
//! and a file may name (`use crate::x`, or a path `crate::x::...`) only
//! modules of its own layer or of lower ones:
//!
//! | layer | modules |
//! |---|---|
//! | 0 contract | `domain`, `sanitize`, `error` |
//! | 1 model | `model` |
//! | 2 services | `config`, `cluster`, `vault`, `audit`, `policy`, `decide`, `governor`, `launcher`, `crds`, `transcript` |
//! | 3 console state machine, sandbox | `app`, `sandbox` (neither names the other) |
//! | 4 drawing | `ui` |
//! | 5 edge | `console`, `tui`, `cli`, `launch`, `main`, `lib` |
//!
//! Inside `app`, `app::geometry` (where things go and how many rows they
//! take, shared by `update` and `ui`) draws nothing and never names
//! `app::update`, and `app::state` names neither: [`geometry_draws_nothing`]
//! and [`state_names_neither_geometry_nor_update`] check it.
//!
//! Test code (`#[cfg(test)]` modules, inline or in their own file) is left
//! out: a unit test may use the sandbox as a fixture, as an integration test
//! does. Comments are left out too (a doc link is no import).
//!
//! Run it alone with `cargo test --test layers`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test, bench or example may panic on what it sets up

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("sanitize", 0),
    ("error", 0),
    ("model", 1),
    ("config", 2),
    ("cluster", 2),
    ("vault", 2),
    ("audit", 2),
    ("policy", 2),
    ("decide", 2),
    ("governor", 2),
    ("launcher", 2),
    ("crds", 2),
    ("transcript", 2),
    ("app", 3),
    ("sandbox", 3),
    ("ui", 4),
    ("console", 5),
    ("tui", 5),
    ("cli", 5),
    ("launch", 5),
    ("main", 5),
    ("lib", 5),
];

/// Pairs within one layer that still may not meet: (importer, imported).
const APART: &[(&str, &str)] = &[("app", "sandbox"), ("sandbox", "app")];

/// The names `lib.rs` re-exports at the crate root (`pub use error::{Error,
/// Result}`), each with the module it comes from: `crate::Error` is `error`.
fn root_reexports() -> Vec<(String, String)> {
    let lib = fs::read_to_string(src().join("lib.rs")).expect("src/lib.rs");
    let mut found = Vec::new();
    for line in lib.lines().map(str::trim) {
        let Some(path) = line
            .strip_prefix("pub use ")
            .and_then(|p| p.strip_suffix(';'))
        else {
            continue;
        };
        let path = path.trim_start_matches("crate::");
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.rsplit(" as ").next().unwrap_or(name);
            found.push((name.to_string(), module.to_string()));
        }
    }
    found
}

fn layer_of(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

/// One `crate::<module>` reference.
#[derive(Debug)]
struct Reference {
    file: PathBuf,
    line: usize,
    module: String,
    text: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file under `src/` belongs to.
fn module_of(file: &Path) -> String {
    let relative = file.strip_prefix(src()).expect("under src/");
    let first = relative
        .components()
        .next()
        .expect("a path")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// The files that are test modules of their own, declared
/// `#[cfg(test)] mod name;` by their parent.
fn test_module_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut tests = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(file).expect("readable");
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().expect("a parent").to_path_buf(),
            _ => file.with_extension(""),
        };
        let mut cfg_test = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[cfg(test)]") {
                cfg_test = true;
                continue;
            }
            if cfg_test
                && let Some(name) = line
                    .strip_prefix("mod ")
                    .or_else(|| line.strip_prefix("pub mod "))
                    .or_else(|| line.strip_prefix("pub(crate) mod "))
                    .and_then(|rest| rest.strip_suffix(';'))
            {
                tests.insert(dir.join(format!("{name}.rs")));
                tests.insert(dir.join(name).join("mod.rs"));
            }
            if !line.starts_with("#[") {
                cfg_test = false;
            }
        }
    }
    tests
}

/// The code of `text` without its `#[cfg(test)]` items: from such an
/// attribute on, up to the end of the item it marks (its braces balanced, or
/// its `;`). Line numbers are kept: removed lines become empty.
fn without_tests(text: &str) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skipping = false;
    let mut depth = 0i32;
    let mut opened = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if !skipping && trimmed.starts_with("#[cfg(test)]") {
            skipping = true;
            depth = 0;
            opened = false;
        }
        if skipping {
            let code = strip_comment(line);
            for c in code.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            let ended = (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';'));
            kept.push(String::new());
            if ended {
                skipping = false;
            }
            continue;
        }
        kept.push(line.to_string());
    }
    kept
}

/// `line` without a trailing `//` comment (outside string literals).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                b'\\' if !escaped => escaped = true,
                b'"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The modules a `crate::` reference starting at `rest` names: one, or each
/// first name of a `crate::{a::x, b}` group.
fn named_modules(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        let name = ident(rest);
        return if name.is_empty() { vec![] } else { vec![name] };
    };
    let mut names = Vec::new();
    let mut depth = 0;
    let mut at_item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if c.is_whitespace() => {}
            _ if at_item_start && depth == 0 => {
                let name = ident(&group[i..]);
                if !name.is_empty() && name != "self" {
                    names.push(name);
                }
                at_item_start = false;
            }
            _ => {}
        }
    }
    names
}

/// Every `crate::` reference in the non-test code of `file`. A `use
/// crate::{...}` group spread over several lines is read whole.
fn references(file: &Path) -> Vec<Reference> {
    let text = fs::read_to_string(file).expect("readable");
    let lines = without_tests(&text);
    let code: Vec<&str> = lines.iter().map(|l| strip_comment(l)).collect();
    let mut found = Vec::new();
    for (index, line) in code.iter().enumerate() {
        let mut search = 0;
        while let Some(at) = line[search..].find("crate::") {
            let start = search + at;
            search = start + "crate::".len();
            let before = line[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            // A group may run over the following lines.
            let mut rest = line[search..].to_string();
            if rest.starts_with('{') {
                for next in code.iter().skip(index + 1) {
                    if rest.contains('}') && balanced(&rest) {
                        break;
                    }
                    rest.push(' ');
                    rest.push_str(next);
                }
            }
            for module in named_modules(&rest) {
                found.push(Reference {
                    file: file.to_path_buf(),
                    line: index + 1,
                    module,
                    text: line.trim().to_string(),
                });
            }
        }
    }
    found
}

fn balanced(text: &str) -> bool {
    let open = text.matches('{').count();
    let close = text.matches('}').count();
    close >= open
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let files = rust_files(&src());
    let tests = test_module_files(&files);
    let reexports = root_reexports();
    let mut unknown = BTreeSet::new();
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| !tests.contains(*f)) {
        let from = module_of(file);
        let Some(from_layer) = layer_of(&from) else {
            unknown.insert(from.clone());
            continue;
        };
        for mut reference in references(file) {
            if let Some((_, module)) = reexports.iter().find(|(name, _)| *name == reference.module)
            {
                reference.module = module.clone();
            }
            if reference.module == from {
                continue;
            }
            let Some(to_layer) = layer_of(&reference.module) else {
                unknown.insert(reference.module.clone());
                continue;
            };
            let apart = APART.contains(&(from.as_str(), reference.module.as_str()));
            if to_layer > from_layer || apart {
                violations.push(format!(
                    "{}:{}: `{from}` (layer {from_layer}) imports `{}` (layer {to_layer}): {}",
                    reference
                        .file
                        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(&reference.file)
                        .display(),
                    reference.line,
                    reference.module,
                    reference.text,
                ));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules with no layer (add them to LAYERS in tests/layers.rs and to docs/architecture.md): {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "{} imports point up a layer (see docs/architecture.md, \"Layers\"):\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn the_scanner_reads_groups_paths_and_skips_tests_and_comments() {
    assert_eq!(named_modules("app::action::Action;"), ["app"]);
    assert_eq!(
        named_modules("{app::x, ui::{a, b}, self, domain};"),
        ["app", "ui", "domain"]
    );
    assert_eq!(strip_comment("let a = 1; // crate::ui"), "let a = 1; ");
    assert_eq!(strip_comment(r#"f("http://x") // c"#), r#"f("http://x") "#);
    let text =
        "use crate::domain;\n#[cfg(test)]\nmod tests {\n    use crate::ui;\n}\nuse crate::app;\n";
    let kept = without_tests(text);
    assert_eq!(kept.len(), 6);
    assert_eq!(kept[0], "use crate::domain;");
    assert!(kept[1..5].iter().all(String::is_empty), "{kept:?}");
    assert_eq!(kept[5], "use crate::app;");
}

/// The lines of the non-test code under `src/<dir>` that contain one of
/// `banned`, as `file:line: code`.
fn naming(dir: &[&str], banned: &[&str]) -> Vec<String> {
    let root = dir.iter().fold(src(), |path, part| path.join(part));
    let files = rust_files(&root);
    assert!(!files.is_empty(), "{} is there", root.display());
    let tests = test_module_files(&files);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !tests.contains(*f)) {
        let text = fs::read_to_string(file).expect("readable");
        for (index, line) in without_tests(&text).iter().enumerate() {
            let code = strip_comment(line);
            if banned.iter().any(|b| code.contains(b)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(file)
                        .display(),
                    index + 1,
                    code.trim()
                ));
            }
        }
    }
    found
}

/// The console's state names neither the geometry that measures it nor the
/// update that changes it.
#[test]
fn state_names_neither_geometry_nor_update() {
    let found = naming(
        &["app", "state"],
        &["crate::app::geometry", "crate::app::update", "crate::ui"],
    );
    assert!(
        found.is_empty(),
        "app::state names geometry or update:\n{}",
        found.join("\n")
    );
}

/// `app::geometry` lays out and measures for `update` and `ui` alike: it
/// renders no widget into a frame, and it never names `update` (which uses
/// it), `ui` or the terminal.
#[test]
fn geometry_draws_nothing() {
    let found = naming(
        &["app", "geometry"],
        &[
            "crate::app::update",
            "crate::ui",
            "crate::tui",
            "crate::console",
            "Frame",
            "render_widget",
        ],
    );
    assert!(
        found.is_empty(),
        "app::geometry draws nothing and never names update, ui or the terminal:\n{}",
        found.join("\n")
    );
}
