//! The host's layers, checked on its source: `http` → `domain` → `sps`,
//! `store` → `util`, imports only downwards, `config` and `http` imported by
//! `lib.rs` and `main.rs` alone (and `config`, which assembles every layer's
//! settings), and no import cycle between modules.
//!
//! Why not `cargo modules … --acyclic`: it builds on rust-analyzer and takes
//! longer to install than the whole test command runs; the imports it would
//! read are `crate::` paths, which this reads directly (the host writes every
//! import between modules as a `crate::` path; `super::` stays inside a module).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first; a layer may import the ones after it in `allowed`.
const LAYERS: [(&str, &[&str]); 5] = [
    ("http", &["domain", "sps", "store", "util"]),
    ("domain", &["sps", "store", "util"]),
    ("sps", &["util"]),
    ("store", &["util"]),
    ("util", &[]),
];

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module a file belongs to, as `layer::module` (or the layer alone for its `mod.rs`).
fn module_of(relative: &Path) -> String {
    let parts: Vec<String> = relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| *p != "mod").collect();
    parts.iter().take(2).copied().collect::<Vec<_>>().join("::")
}

/// Every `crate::a::b` a source names, outside comments, as `(a, Some(b))`.
fn crate_paths(source: &str) -> Vec<(String, Option<String>)> {
    let code: String =
        source.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let ident =
        |text: &str| -> String { text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    code.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &code[at + "crate::".len()..];
            let first = ident(rest);
            let after = &rest[first.len()..];
            let second = after.strip_prefix("::").map(ident).filter(|s| !s.is_empty());
            (first, second)
        })
        .collect()
}

fn layer_of(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

#[test]
fn imports_flow_down_the_layers_and_never_in_a_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    assert!(files.len() > 30, "read the host's sources: {}", files.len());
    let layers: BTreeMap<&str, &[&str]> = LAYERS.into_iter().collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let from = module_of(relative);
        let from_layer = layer_of(&from).to_owned();
        let source = std::fs::read_to_string(file).unwrap();
        for (layer, module) in crate_paths(&source) {
            let to = module.map_or(layer.clone(), |m| format!("{layer}::{m}"));
            if let Some(allowed) = layers.get(from_layer.as_str()) {
                let downwards = layer == from_layer || allowed.contains(&layer.as_str());
                if !downwards {
                    wrong.push(format!("{} imports crate::{to}", relative.display()));
                }
            }
            if to != from && layers.contains_key(layer.as_str()) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

// The check itself: a cycle and an upward import are found.
#[test]
fn the_check_finds_a_cycle_and_reads_grouped_paths() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("domain::accounts".to_owned(), BTreeSet::from(["domain::webhooks".to_owned()])),
        ("domain::webhooks".to_owned(), BTreeSet::from(["domain::accounts".to_owned()])),
    ]
    .into_iter()
    .collect();
    assert!(find_cycle(&graph).is_some());
    let paths = crate_paths("use crate::sps::api::SpsApi; // crate::http::x\nlet x = crate::util::ids::random_id;");
    assert_eq!(
        paths,
        [("sps".to_owned(), Some("api".to_owned())), ("util".to_owned(), Some("ids".to_owned()))],
        "comments are not imports"
    );
    assert_eq!(module_of(Path::new("http/api/mod.rs")), "http::api");
    assert_eq!(module_of(Path::new("domain/accounts.rs")), "domain::accounts");
    assert_eq!(module_of(Path::new("util/mod.rs")), "util");
}
