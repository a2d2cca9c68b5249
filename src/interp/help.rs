//! The `help`/`?` text: the commands grouped as bsd-mailx's help groups
//! them (reading, sending, saving and folders, settings), each with the
//! short form people type (`p(rint)`: the shortest prefix that finds it in
//! the table), its arguments and what it does. Generated from the command
//! table, so a command added there shows up (under "Other commands" until
//! it is given a group here). Shown through the pager on a terminal
//! (`cmd::settings::help`).

use super::table::{COMMANDS, CmdId, Command, lookup};

/// The groups and the commands in each, by their table name.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "Reading messages",
        &[
            "next",
            "print",
            "type",
            "Type",
            "more",
            "More",
            "top",
            "headers",
            "z",
            "from",
            "=",
            "size",
            "attachments",
            "detach",
        ],
    ),
    (
        "Sorting and threads",
        &[
            "sort",
            "unsort",
            "thread",
            "unthread",
            "collapse",
            "uncollapse",
        ],
    ),
    (
        "Marking and deleting",
        &[
            "delete", "dp", "undelete", "unread", "new", "touch", "preserve", "mbox", "flag",
            "unflag",
        ],
    ),
    (
        "Sending",
        &[
            "mail",
            "reply",
            "Reply",
            "followup",
            "Followup",
            "visual",
            "edit",
            "alias",
            "unalias",
            "alternates",
        ],
    ),
    (
        "Saving and folders",
        &[
            "save", "Save", "copy", "Copy", "write", "pipe", "file", "folders", "inc", "chdir",
        ],
    ),
    (
        "Settings",
        &[
            "set",
            "unset",
            "ignore",
            "retain",
            "saveignore",
            "saveretain",
            "source",
            "if",
            "else",
            "endif",
        ],
    ),
    (
        "Leaving and other commands",
        &[
            "quit", "xit", "!", "shell", "echo", "version", "list", "help",
        ],
    ),
];

/// `name` with its shortest form marked: `p(rint)`.
fn short_form(name: &str) -> String {
    for n in 1..name.len() {
        if !name.is_char_boundary(n) {
            continue;
        }
        if lookup(&name[..n]).is_some_and(|c| c.name == name) {
            return format!("{}({})", &name[..n], &name[n..]);
        }
    }
    name.to_string()
}

/// One help line's two columns: all the names of the command with its
/// arguments, and what it does.
fn line(c: &Command) -> (String, &'static str) {
    let names: Vec<String> = COMMANDS
        .iter()
        .filter(|o| o.id == c.id)
        .map(|o| short_form(o.name))
        .collect();
    let head = format!("{} {}", names.join(", "), c.args);
    (head.trim_end().to_string(), c.help)
}

/// The whole `help` text (see the module comment).
pub(crate) fn help_text() -> String {
    // Titles (None: a command's line) in order, then laid out in columns.
    let mut rows: Vec<(Option<&str>, String, &str)> = Vec::new();
    let mut done: Vec<CmdId> = vec![CmdId::Comment];
    for (title, names) in GROUPS {
        rows.push((Some(title), String::new(), ""));
        for name in *names {
            if let Some(c) = COMMANDS.iter().find(|c| c.name == *name)
                && !done.contains(&c.id)
            {
                done.push(c.id);
                let (head, help) = line(c);
                rows.push((None, head, help));
            }
        }
    }
    let rest: Vec<&Command> = COMMANDS
        .iter()
        .filter(|c| {
            let first = COMMANDS.iter().find(|o| o.id == c.id).map(|o| o.name);
            !done.contains(&c.id) && first == Some(c.name)
        })
        .collect();
    if !rest.is_empty() {
        rows.push((Some("Other commands"), String::new(), ""));
        for c in rest {
            let (head, help) = line(c);
            rows.push((None, head, help));
        }
    }
    let col = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0) + 2;
    let mut s = String::from("Mail commands (type the part before the parenthesis):\n");
    for (title, head, help) in rows {
        match title {
            Some(t) => s.push_str(&format!("\n{t}:\n")),
            None => s.push_str(&format!("  {head:<col$}{help}\n")),
        }
    }
    s.push_str(
        "\nA msglist is a list of message numbers, ranges (1-5), or: . (current) ^ (first)\n\
$ (last) * (all) + - (next, previous) :n :o :r :u :d (new, old, read, unread,\n\
deleted), /text (subject contains text), or a sender name.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grouped_name_is_a_command_and_every_command_is_shown() {
        for (_, names) in GROUPS {
            for n in *names {
                assert!(COMMANDS.iter().any(|c| c.name == *n), "{n}");
            }
        }
        let text = help_text();
        for c in COMMANDS {
            if c.id != CmdId::Comment {
                assert!(text.contains(&short_form(c.name)), "{}", c.name);
            }
        }
        assert!(!text.contains("Other commands"), "{text}");
    }

    #[test]
    fn short_forms_are_what_the_table_finds() {
        assert_eq!(short_form("print"), "p(rint)");
        assert_eq!(short_form("headers"), "h(eaders)");
        assert_eq!(short_form("help"), "hel(p)");
        assert_eq!(short_form("="), "=");
    }
}
