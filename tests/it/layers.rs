//! The module graph: every `crate::` and `super::` path in `src/` (main.rs aside, it is the command line on
//! top of everything) is read, and the test fails on an import from a lower layer into a higher one, and on a
//! cycle between sibling modules (`app::records` -> `app::session` -> `app::records`, or between two layers).
//! The layers, lowest first, are the table below; ARCHITECTURE.md's code map says the same.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules of the library, lowest layer first. Modules of one rank may not import each other.
const LAYERS: &[&[&str]] = &[
    &["frame", "latest", "runtime", "paths"],
    &["pose"],
    &["capture"],
    &["form"],
    &["back"],
    &["demo"],
    &["coach"],
    &["pipeline"],
    &["session"],
    &["report"],
    &["app"],
];

fn rank(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// A module path, e.g. `["app", "records"]`; the crate root is `[]`.
type ModPath = Vec<String>;

/// The module path of a source file relative to `src/`.
fn module_of(rel: &str) -> ModPath {
    let rel = rel.strip_suffix(".rs").expect("a .rs file");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Drops comments (line and block) and the contents of string literals, so a path in prose or in a message
/// does not count as an import.
fn strip_comments_and_strings(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            // A raw string's hashes are not tracked; formcheck's raw strings hold no `"` followed by code.
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal such as '{' (lifetimes have no closing quote two bytes on).
            i += 3;
        } else {
            let ch = src[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = vec![];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).flat_map(|p| expand_use(&format!("{prefix}{p}"))).collect()
}

/// Every path a file names that starts with `crate::` or `super::`, resolved to segments from the crate root.
fn referenced_paths(module: &ModPath, src: &str) -> BTreeSet<Vec<String>> {
    let code = strip_comments_and_strings(src);
    let mut raw: Vec<String> = vec![];
    // `use` trees, braces and all.
    let mut rest = code.as_str();
    while let Some(pos) = rest.find("use ") {
        let before_ok =
            pos == 0 || !rest.as_bytes()[pos - 1].is_ascii_alphanumeric() && rest.as_bytes()[pos - 1] != b'_';
        let after = &rest[pos + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if before_ok {
            raw.extend(expand_use(&after[..end]));
        }
        rest = &after[end.min(after.len())..];
    }
    // Paths in code: `crate::a::b`, `super::a`.
    let bytes = code.as_bytes();
    for start_kw in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(p) = code[from..].find(start_kw) {
            let p = from + p;
            let boundary =
                p == 0 || !(bytes[p - 1].is_ascii_alphanumeric() || bytes[p - 1] == b'_' || bytes[p - 1] == b':');
            let mut e = p;
            while e < bytes.len() && (bytes[e].is_ascii_alphanumeric() || bytes[e] == b'_' || bytes[e] == b':') {
                e += 1;
            }
            if boundary {
                raw.push(code[p..e].to_string());
            }
            from = e.max(p + 1);
        }
    }
    raw.into_iter()
        .filter_map(|path| {
            let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let mut base: Vec<String> = match segs.first() {
                Some(&"crate") => vec![],
                Some(&"super") => module.clone(),
                _ => return None,
            };
            let mut it = segs.iter().peekable();
            if segs[0] == "crate" {
                it.next();
            }
            while it.peek() == Some(&&"super") {
                it.next();
                base.pop()?;
            }
            base.extend(it.filter(|s| **s != "self" && **s != "*").map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

/// What is wrong with a source tree (file path relative to `src/` → text): upward imports and sibling cycles.
fn problems(files: &BTreeMap<String, String>) -> Vec<String> {
    let modules: BTreeSet<ModPath> = files.keys().map(|f| module_of(f)).collect();
    let mut problems = vec![];
    // Edges between siblings, keyed by their parent.
    let mut edges: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (file, src) in files {
        let from = module_of(file);
        if let Some(top) = from.first()
            && rank(top).is_none()
        {
            problems.push(format!("src/{file}: top-level module `{top}` is in no layer (add it to LAYERS)"));
        }
        for to in referenced_paths(&from, src) {
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common >= from.len() || common >= to.len() {
                continue; // the module itself, a child of it, or one of its ancestors
            }
            let parent: ModPath = from[..common].to_vec();
            let mut child = parent.clone();
            child.push(to[common].clone());
            if !modules.contains(&child) {
                continue; // an item of the common ancestor, not a sibling module
            }
            let (a, b) = (&from[common], &to[common]);
            if common == 0
                && let (Some(ra), Some(rb)) = (rank(a), rank(b))
                && rb >= ra
            {
                let what = if rb == ra { "a module of the same layer" } else { "a higher layer" };
                problems.push(format!("src/{file}: imports `{}` from {what} (`{b}` over `{a}`)", to.join("::")));
            }
            edges.entry(parent).or_default().entry(a.clone()).or_default().insert(b.clone());
        }
    }
    for (parent, graph) in &edges {
        for cycle in cycles(graph) {
            let at = if parent.is_empty() { "crate".to_string() } else { parent.join("::") };
            problems.push(format!("cycle in {at}: {}", cycle.join(" -> ")));
        }
    }
    problems
}

/// One cycle per strongly connected component of more than one node (or a node importing itself).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph.keys().chain(graph.values().flatten()).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut out = vec![];
    for &n in &nodes {
        if reported.contains(n) || !reach(n).contains(n) {
            continue;
        }
        let component: Vec<String> =
            nodes.iter().filter(|m| reach(n).contains(**m) && reach(m).contains(n)).map(|m| (*m).clone()).collect();
        reported.extend(component.iter().cloned());
        let mut cycle = component;
        cycle.push(n.clone());
        out.push(cycle);
    }
    out
}

fn read_tree(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        let rel_name = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if entry.path().is_dir() {
            read_tree(&entry.path(), &rel_name, out);
        } else if name.ends_with(".rs") && rel_name != "main.rs" {
            out.insert(rel_name, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
}

#[test]
fn no_upward_import_and_no_cycle() {
    let mut files = BTreeMap::new();
    read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), "", &mut files);
    assert!(files.len() > 20, "src/ has {} files: not the formcheck tree?", files.len());
    let problems = problems(&files);
    assert!(problems.is_empty(), "the module graph breaks the layering:\n{}", problems.join("\n"));
}

fn tree(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files.iter().map(|(f, s)| (f.to_string(), s.to_string())).collect()
}

#[test]
fn the_checker_finds_an_upward_import_and_a_cycle() {
    let bad = tree(&[
        ("lib.rs", "pub mod form; pub mod app; pub mod pose;"),
        ("form/mod.rs", "use crate::app::Screen; // the engine importing the UI\n"),
        ("pose/mod.rs", "fn f() { let x = crate::form::Analyzer::new(); }"),
        ("app/mod.rs", "mod records; mod session;"),
        ("app/records.rs", "use super::{session::Summary, Launch};"),
        ("app/session.rs", "use crate::{app::records::Plan, form::Exercise};"),
    ]);
    let p = problems(&bad);
    assert!(p.iter().any(|l| l.contains("form/mod.rs") && l.contains("`app`")), "{p:#?}");
    assert!(p.iter().any(|l| l.contains("pose/mod.rs") && l.contains("form::Analyzer")), "{p:#?}");
    assert!(
        p.iter().any(|l| l.starts_with("cycle in app") && l.contains("records") && l.contains("session")),
        "{p:#?}"
    );
    assert!(p.iter().any(|l| l.starts_with("cycle in crate") && l.contains("app") && l.contains("form")), "{p:#?}");
    assert_eq!(p.len(), 4, "{p:#?}");

    let good = tree(&[
        ("lib.rs", "pub mod form; pub mod app;"),
        ("form/mod.rs", "mod view; pub use view::View; // crate::app is the UI, named in prose only\n"),
        ("form/view.rs", "use super::super::form::View as _; fn s() -> &'static str { \"crate::app\" }"),
        ("app/mod.rs", "mod records; mod session; use crate::form::{View, view::Side};"),
        ("app/records.rs", "use super::session::Summary;"),
        ("app/session.rs", "use crate::form::View;"),
    ]);
    assert_eq!(problems(&good), Vec::<String>::new());
}
