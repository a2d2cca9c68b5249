//! The architecture's rules, checked on the sources (docs/ARCHITECTURE.md):
//! the only dependency cycle between top-level modules is `interp` ↔ `cmd`;
//! `unsafe` appears only in `src/sys.rs`; processes are started only in
//! `src/child.rs`; no source file has more than 1,000 lines outside its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source of a file without its `#[cfg(test)] mod …` tail.
fn non_test(text: &str) -> &str {
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("#[cfg(test)]") && text[off + line.len()..].starts_with("mod ") {
            return &text[..off];
        }
        off += line.len();
    }
    text
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module of a file (`src/read/show.rs` → `read`).
fn top(src: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every top-level module named after `crate::` in the text, including
/// the names inside `use crate::{a, b::c}` groups.
fn referenced(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find("};").unwrap_or(group.len());
            let mut depth = 0;
            let mut word = String::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 && (c.is_alphanumeric() || c == '_') {
                    word.push(c);
                } else if !word.is_empty() {
                    if modules.contains(&word) {
                        out.insert(std::mem::take(&mut word));
                    }
                    word.clear();
                }
                if depth > 0 || c == ':' {
                    word.clear();
                }
            }
            if modules.contains(&word) {
                out.insert(word);
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(&name) {
            out.insert(name);
        }
    }
    out
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.g[v] {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = BTreeSet::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g: graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_only_module_cycle_is_interp_and_cmd() {
    let src = src_dir();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|p| top(&src, p))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for p in &files {
        let m = top(&src, p);
        if !modules.contains(&m) {
            continue;
        }
        let text = fs::read_to_string(p).unwrap();
        // Code only: doc comments and comments may name any module.
        let code: String = non_test(&text)
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        for r in referenced(&code, &modules) {
            if r != m {
                graph.get_mut(&m).unwrap().insert(r);
            }
        }
    }
    let found = cycles(&graph);
    let allowed: BTreeSet<String> = ["cmd", "interp"].iter().map(|s| s.to_string()).collect();
    assert!(
        found.iter().all(|c| *c == allowed),
        "dependency cycles between top-level modules: {found:?} (only interp <-> cmd is allowed; see docs/ARCHITECTURE.md)"
    );
    // The check sees the cycle it allows, so it is looking at real edges.
    assert!(graph["interp"].contains("cmd") && graph["cmd"].contains("interp"));
}

#[test]
fn unsafe_code_and_process_spawning_stay_in_their_modules() {
    let src = src_dir();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut bad = Vec::new();
    for p in &files {
        let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(p).unwrap();
        for (n, line) in non_test(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if rel != "sys.rs" && (code.contains("unsafe {") || code.contains("unsafe extern")) {
                bad.push(format!("{rel}:{}: unsafe outside sys.rs", n + 1));
            }
            if rel != "child.rs" && (code.contains("Command::new") || code.contains(".spawn()")) {
                bad.push(format!(
                    "{rel}:{}: a process started outside child.rs",
                    n + 1
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn no_source_file_is_over_1000_lines_outside_its_tests() {
    let src = src_dir();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let text = fs::read_to_string(p).unwrap();
            let n = non_test(&text).lines().count();
            (n > 1000).then(|| format!("{}: {n} lines", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}
