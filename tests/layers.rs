//! The layers point one way. Each top-level module of `src/` sits in one layer of the table
//! below (CONTRIBUTING.md draws it); library code may name modules of its own layer or of a
//! lower one, never a later one, and modules of one layer may not name each other in a circle.
//! A new top-level module fails this test until it is placed in the table.
//!
//! Dependencies are read from `crate::name` paths in code, test code left out (`#[cfg(test)]`
//! onwards, files named `*test*`, `tests/` folders) and comments ignored, the way
//! `rustc` sees them: a `use` anywhere in a module's files counts.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "allocator",
            "atomic",
            "dates",
            "diagnostics",
            "env",
            "escape",
            "files",
            "identity",
            "parallel",
            "source",
            "suggest",
            "timings",
            "types",
            "value",
        ],
    ),
    ("model", &["model", "action", "state"]),
    ("text", &["records", "syntax", "format"]),
    ("schema", &["schema", "builtins"]),
    // The source kinds: a folder per connector (schema, settings, fetch), registered by one line.
    ("sources", &["connectors"]),
    ("check", &["check", "lsp"]),
    ("eval", &["eval", "testing", "profile", "units"]),
    ("diff", &["diff"]),
    ("plan and guards", &["guard", "quality", "plan"]),
    ("delivery", &["winningtemp", "apply"]),
    ("sync", &["sync", "mapdiff"]),
    ("run, report, email", &["report", "email", "run"]),
    ("serve", &["serve"]),
    ("cli", &["cli"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// Every top-level module of `src/` (a `name.rs` or a `name/` folder), besides the roots.
fn modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            if p.is_dir() {
                // A module folder has a `mod.rs`; `snapshots/` (insta's) does not.
                p.join("mod.rs").is_file().then_some(name)
            } else {
                let stem = name.strip_suffix(".rs")?;
                (stem != "lib" && stem != "main").then(|| stem.to_string())
            }
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") && !name.contains("test") {
            out.push(path);
        }
    }
}

/// The code of a file as the compiler builds it outside tests: up to its first
/// `#[cfg(test)]`, comment lines dropped.
fn library_code(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names with `crate::name`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let before = rest[..at].chars().next_back();
        // `wtmap_crate::` or `$crate::` are not this crate's paths.
        if !name.is_empty()
            && !matches!(before, Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '$')
        {
            found.insert(name);
        }
        rest = after;
    }
    found
}

/// module → the modules it names, with one file that does so for each.
fn dependencies(src: &Path) -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut deps: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for module in modules(src) {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        } else {
            rust_files(&src.join(&module), &mut files);
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for dep in named_modules(&library_code(&text)) {
                if dep != module {
                    deps.entry(module.clone())
                        .or_default()
                        .entry(dep)
                        .or_insert_with(|| file.clone());
                }
            }
        }
    }
    deps
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: Vec<String> = modules(&src())
        .into_iter()
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "place these modules in a layer of tests/layers.rs (and CONTRIBUTING.md): {unplaced:?}"
    );
    for (layer, modules) in LAYERS {
        for m in *modules {
            assert!(
                src().join(format!("{m}.rs")).is_file() || src().join(m).is_dir(),
                "layer {layer} lists {m}, which is not a module of src/ any more"
            );
        }
    }
}

#[test]
fn no_module_names_a_later_layer() {
    let mut wrong = Vec::new();
    for (module, deps) in dependencies(&src()) {
        let Some(own) = layer_of(&module) else {
            continue; // every_module_has_a_layer reports it
        };
        for (dep, file) in deps {
            match layer_of(&dep) {
                Some(layer) if layer <= own => {}
                Some(layer) => wrong.push(format!(
                    "{module} ({}) names {dep} ({}) in {}",
                    LAYERS[own].0,
                    LAYERS[layer].0,
                    file.display()
                )),
                None => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layers point one way; move the shared type down instead:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn modules_of_one_layer_do_not_name_each_other_in_a_circle() {
    let deps = dependencies(&src());
    let same_layer = |a: &str, b: &str| layer_of(a).is_some() && layer_of(a) == layer_of(b);
    // Depth-first search for a back edge among same-layer dependencies.
    fn visit(
        module: &str,
        deps: &BTreeMap<String, BTreeMap<String, PathBuf>>,
        same_layer: &dyn Fn(&str, &str) -> bool,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for dep in deps.get(module).into_iter().flat_map(|d| d.keys()) {
            if same_layer(module, dep)
                && let Some(cycle) = visit(dep, deps, same_layer, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for module in deps.keys() {
        let cycle = visit(module, &deps, &same_layer, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" → ")
        );
    }
}

#[test]
fn the_reader_sees_what_the_compiler_sees() {
    // The test's own parsing, on the cases that matter: a `use`, a path in code, a comment, a
    // test module, and a macro's `$crate`.
    let code = library_code(
        "use crate::plan::Plan;\n// crate::cli is only mentioned\nfn f() { crate::eval::go(); $crate::x::y }\n#[cfg(test)]\nmod tests { use crate::cli; }",
    );
    let named: Vec<String> = named_modules(&code).into_iter().collect();
    assert_eq!(named, ["eval", "plan"]);
}

#[test]
fn run_time_error_codes_share_one_scheme() {
    // Mapping diagnostics are the registry's `E`/`W` codes; run-time errors (files, networks,
    // state files) are named `wtmap::<area>::<what>`, the area being the part of wtmap that
    // raises them (records, connectors, state, files).
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    let mut run_time = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("code(") {
            let after = &rest[at + "code(".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let before = rest[..at].trim_end();
            let registry_like = name.len() == 5 && name.starts_with(['E', 'W']);
            if before.ends_with("#[diagnostic(")
                || (before.ends_with(',') || before.ends_with('('))
                    && (name.contains("::") || registry_like)
            {
                let parts: Vec<&str> = name.split("::").collect();
                let registry_code = name.len() == 5
                    && (name.starts_with('E') || name.starts_with('W'))
                    && name[1..].chars().all(|c| c.is_ascii_digit());
                let ok = registry_code
                    || parts.len() == 3
                        && parts[0] == "wtmap"
                        && parts[1..].iter().all(|p| {
                            !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        });
                if !ok {
                    wrong.push(format!("{name} in {}", file.display()));
                } else if !registry_code {
                    run_time.insert(name);
                }
            }
            rest = after;
        }
    }
    assert!(
        wrong.is_empty(),
        "codes outside wtmap::<area>::<what>: {wrong:?}"
    );
    // Every run-time code is listed, once, in docs/diagnostics.md's table; nothing else is.
    let doc = std::fs::read_to_string(src().join("../docs/diagnostics.md")).unwrap();
    let listed: Vec<String> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("| `wtmap::"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| format!("wtmap::{name}"))
        .collect();
    let documented: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), documented.len(), "a code listed twice");
    assert!(
        run_time.len() > 40,
        "the scan found too few codes: {run_time:?}"
    );
    let undocumented: Vec<_> = run_time.difference(&documented).collect();
    let unraised: Vec<_> = documented.difference(&run_time).collect();
    assert!(
        undocumented.is_empty() && unraised.is_empty(),
        "docs/diagnostics.md's run-time table must list exactly the codes wtmap raises; \
         not listed: {undocumented:?}; listed but never raised: {unraised:?}"
    );
}
