//! Tab completion for the line editor at the `& ` prompt: what the word
//! before the cursor can become. The first word completes to command
//! names; after `set`/`unset` to variable names; after `mail`, `alias` and
//! `unalias` to alias names; after any other command to file names (`+name`
//! in the `folder` directory, `~/` in the home directory). The editor
//! inserts what all candidates share; a second Tab lists them.

use std::path::Path;

/// The names the completer chooses from, gathered by the prompt before
/// each line (the command table, the session's variables and aliases).
#[derive(Default, Clone)]
pub(crate) struct Names {
    /// Command names in table order, and for each typed word the name it
    /// resolves to (`lookup`), so `se` is known to be `set`.
    pub commands: Vec<&'static str>,
    pub resolve: Option<fn(&str) -> Option<&'static str>>,
    pub variables: Vec<String>,
    pub aliases: Vec<String>,
    pub folder: Option<String>,
    pub home: Option<String>,
}

/// Where the word being completed starts (a character index of `line`).
pub(crate) fn word_start(line: &[char], cur: usize) -> usize {
    let mut i = cur;
    while i > 0 && line[i - 1] != ' ' {
        i -= 1;
    }
    i
}

/// The candidates for the word from `start` to `cur`: whole words, each to
/// be put in place of the typed word; a directory ends in `/`.
pub(crate) fn candidates(names: &Names, line: &[char], cur: usize) -> Vec<String> {
    let start = word_start(line, cur);
    let word: String = line[start..cur].iter().collect();
    let before: String = line[..start].iter().collect();
    let first = before.split_whitespace().next();
    let Some(first) = first else {
        let mut v: Vec<String> = names
            .commands
            .iter()
            .filter(|c| c.starts_with(&word))
            .map(|c| c.to_string())
            .collect();
        v.dedup();
        return v;
    };
    let cmd = names.resolve.and_then(|r| r(first)).unwrap_or(first);
    let pick = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|n| n.starts_with(&word))
            .cloned()
            .collect()
    };
    match cmd {
        "set" | "unset" => pick(&names.variables),
        "mail" | "alias" | "unalias" => pick(&names.aliases),
        _ => files(names, &word),
    }
}

/// File names completing `word` (see the module comment).
fn files(names: &Names, word: &str) -> Vec<String> {
    // The directory to list, how the typed word names it, and the start of
    // the name to match.
    let (shown_dir, name) = match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None if word.starts_with('+') => ("+", &word[1..]),
        None => ("", word),
    };
    let real_dir = if let Some(rest) = shown_dir.strip_prefix('+') {
        match &names.folder {
            Some(f) => format!("{f}/{rest}"),
            None => return Vec::new(),
        }
    } else if let Some(rest) = shown_dir.strip_prefix("~/") {
        match &names.home {
            Some(h) => format!("{h}/{rest}"),
            None => return Vec::new(),
        }
    } else if shown_dir.is_empty() {
        ".".to_string()
    } else {
        shown_dir.to_string()
    };
    let Ok(rd) = std::fs::read_dir(Path::new(&real_dir)) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            if !n.starts_with(name) || (n.starts_with('.') && !name.starts_with('.')) {
                return None;
            }
            let dir = e.path().is_dir();
            Some(format!("{shown_dir}{n}{}", if dir { "/" } else { "" }))
        })
        .collect();
    v.sort();
    v
}

/// What all `cands` begin with.
pub(crate) fn common_prefix(cands: &[String]) -> String {
    let Some(first) = cands.first() else {
        return String::new();
    };
    let mut end = first.len();
    for c in &cands[1..] {
        end = first
            .char_indices()
            .zip(c.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(c.len()), |((i, _), _)| i.min(end));
    }
    first[..end].to_string()
}

/// The listing a second Tab shows: the candidates in columns across
/// `cols`, each shown by its last path component for file names.
pub(crate) fn listing(cands: &[String], cols: usize) -> String {
    let shown: Vec<&str> = cands
        .iter()
        .map(|c| match c.trim_end_matches('/').rfind('/') {
            Some(i) => &c[i + 1..],
            None => c.as_str(),
        })
        .collect();
    let w = shown.iter().map(|s| s.chars().count()).max().unwrap_or(0) + 2;
    let per = (cols / w).max(1);
    let mut out = String::new();
    for (i, s) in shown.iter().enumerate() {
        out.push_str(s);
        if (i + 1) % per == 0 || i + 1 == shown.len() {
            out.push('\n');
        } else {
            out.push_str(&" ".repeat(w - s.chars().count()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            commands: vec!["next", "print", "preserve", "set", "save"],
            resolve: Some(|w| match w {
                "se" | "set" => Some("set"),
                "m" | "mail" => Some("mail"),
                _ => None,
            }),
            variables: vec!["ask".into(), "askcc".into(), "crt".into()],
            aliases: vec!["team".into(), "tom".into()],
            ..Names::default()
        }
    }

    fn c(line: &str) -> Vec<String> {
        let l: Vec<char> = line.chars().collect();
        candidates(&names(), &l, l.len())
    }

    #[test]
    fn words_complete_by_position_and_command() {
        assert_eq!(c("pr"), ["print", "preserve"]);
        assert_eq!(c("se a"), ["ask", "askcc"]);
        assert_eq!(c("m t"), ["team", "tom"]);
        assert_eq!(common_prefix(&c("se a")), "ask");
        assert_eq!(common_prefix(&c("pr")), "pr");
    }

    #[test]
    fn the_listing_is_in_columns() {
        let l = listing(&["ab".into(), "abc".into(), "d/x/".into()], 12);
        assert_eq!(l, "ab   abc\nx/\n");
    }
}
