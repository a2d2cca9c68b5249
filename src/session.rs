//! The state of one run of the program: variables, aliases, header filters,
//! who the user is, and the source/conditional bookkeeping of the command loop.

use crate::vars::Vars;
use std::collections::BTreeMap;

/// `if r` / `if s` state of rc files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    Any,
    Receive,
    Send,
}

/// A set of header names for `ignore`/`retain` (stored lowercase, as bsd-mailx does).
#[derive(Debug, Default, Clone)]
pub struct FieldSet {
    pub names: std::collections::BTreeSet<String>,
}

impl FieldSet {
    pub fn add(&mut self, name: &str) {
        self.names.insert(name.to_ascii_lowercase());
    }
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(&name.to_ascii_lowercase())
    }
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// An ignore table: fields to hide, and fields to keep (retain wins when non-empty).
#[derive(Debug, Default, Clone)]
pub struct IgnoreTab {
    pub ignore: FieldSet,
    pub retain: FieldSet,
}

impl IgnoreTab {
    /// Should a header field with this name be hidden?
    pub fn hides(&self, name: &str) -> bool {
        if !self.retain.is_empty() {
            return !self.retain.contains(name);
        }
        self.ignore.contains(name)
    }
}

/// Everything one run needs.
pub struct Session {
    pub vars: Vars,
    /// Alias name → members, newest first (bsd-mailx prepends).
    pub aliases: BTreeMap<String, Vec<String>>,
    pub alternates: Vec<String>,
    /// `ignore`/`retain` for display.
    pub ignore: IgnoreTab,
    /// `saveignore`/`saveretain` for save and mbox.
    pub save_ignore: IgnoreTab,
    /// Login name (`-u` changes it).
    pub myname: String,
    pub homedir: Option<String>,
    /// True in read mode, false while sending from the command line.
    pub rcvmode: bool,
    /// Depth of `source` nesting (rc files count as sourcing).
    pub sourcing: usize,
    /// True while reading the start-up rc files.
    pub loading: bool,
    pub cond: Cond,
    /// Set by a failing command while sourcing: the current source file ends.
    pub abort_source: bool,
    /// The last `!` command, for `!` inside a later one.
    pub last_bang: String,
    /// The mailbox name used for `#` (previous file).
    pub prevfile: Option<String>,
    /// The current mailbox name, for `%`-style expansions and `#`.
    pub mailname: Option<String>,
    /// The output width for header lines.
    pub screen_width: usize,
    /// Header lines per screen.
    pub screen_height: usize,
    /// Rows of the real terminal (for crt).
    pub real_screen_height: usize,
    /// `REPLYTO` was set once the environment and /etc/mail.rc were read.
    /// bsd-mailx takes its Reply-To at that point, so a `set REPLYTO` that
    /// only the user's rc file makes adds no Reply-To header.
    pub replyto_at_start: bool,
}

impl Session {
    pub fn new(myname: String, homedir: Option<String>) -> Self {
        Session {
            vars: Vars::new(),
            aliases: BTreeMap::new(),
            alternates: Vec::new(),
            ignore: IgnoreTab::default(),
            save_ignore: IgnoreTab::default(),
            myname,
            homedir,
            rcvmode: false,
            sourcing: 0,
            loading: false,
            cond: Cond::Any,
            abort_source: false,
            last_bang: String::new(),
            prevfile: None,
            mailname: None,
            screen_width: 80,
            screen_height: 20,
            real_screen_height: 24,
            replyto_at_start: true,
        }
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name)
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.vars.is_set(name)
    }

    /// The user's shell: `$SHELL` when set and not empty, else `/bin/sh`.
    pub fn shell(&self) -> String {
        self.value("SHELL")
            .filter(|v| !v.is_empty())
            .unwrap_or("/bin/sh")
            .to_string()
    }

    /// Whether prompts and tilde escapes are on (`interactive` is set).
    pub fn interactive(&self) -> bool {
        self.vars.is_set("interactive")
    }
}
