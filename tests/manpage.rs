//! The committed man page is exactly what the tables generate, and every
//! variable the code reads is documented. Regenerate the page with
//! `UPDATE_MAN=1 cargo test --test manpage`.

#[test]
fn man_page_matches_the_tables() {
    let generated = mailx::manpage::render();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/man/mailx.1");
    if std::env::var_os("UPDATE_MAN").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "man/mailx.1 is out of date: run UPDATE_MAN=1 cargo test --test manpage"
    );
}

#[test]
fn every_command_option_and_escape_is_in_the_page() {
    let page = mailx::manpage::render();
    for c in mailx::interp::table::COMMANDS {
        assert!(
            page.contains(&format!(".BI \"{}\"", c.name.replace('-', "\\-"))),
            "command {}",
            c.name
        );
    }
    for o in mailx::cli::OPTS {
        assert!(
            page.contains(&format!(".B {}\n", o.flag().replace('-', "\\-")))
                || page.contains(&format!(".BI {} ", o.flag().replace('-', "\\-"))),
            "option {}",
            o.flag()
        );
    }
    for esc in mailx::compose::TILDE_ESCAPES {
        let e = esc.name;
        assert!(page.contains(&format!("\"{e}\"")), "escape {e}");
    }
}

/// Scans the sources for variable names read as literals (`value("x")`,
/// `is_set("x")`, `nonempty("x")`) and requires each to be documented.
#[test]
fn every_variable_the_code_reads_is_documented() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut missing = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().and_then(|x| x.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Unit tests use throwaway names.
            let text = text.split("#[cfg(test)]").next().unwrap();
            for pat in ["value(\"", "is_set(\"", "nonempty(\""] {
                let mut rest = text;
                while let Some(i) = rest.find(pat) {
                    rest = &rest[i + pat.len()..];
                    let name: String = rest.chars().take_while(|c| *c != '"').collect();
                    if mailx::vars::doc(&name).is_none() && !missing.contains(&name) {
                        missing.push(name);
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "variables read but not in vars::KNOWN: {missing:?}"
    );
}
