//! The one variable store (`set`, `unset`, `-S`, imported environment values).
//!
//! Names are kept in byte order, which is the order bsd-mailx's `set` lists
//! them in (it sorts with strcmp).

use std::collections::BTreeMap;

/// Environment variables bsd-mailx (Debian patch 05) copies into variables at
/// start-up; no other environment variable becomes a mail variable.
pub const IMPORTED_ENV: &[&str] = &[
    "DEAD", "EDITOR", "LISTER", "MBOX", "PAGER", "REPLYTO", "SHELL", "VISUAL",
];

#[derive(Default, Debug, Clone)]
pub struct Vars {
    map: BTreeMap<String, String>,
}

impl Vars {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value` (a boolean variable has the empty string).
    pub fn set(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_string(), value.to_string());
    }

    /// Removes `name`; returns false when it was not set.
    pub fn unset(&mut self, name: &str) -> bool {
        self.map.remove(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|s| s.as_str())
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A variable's value when it is set and not empty.
    pub fn nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|s| !s.is_empty())
    }

    /// All variables in listing order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Copies the imported environment variables in.
    pub fn import_env(&mut self) {
        for name in IMPORTED_ENV {
            if let Some(v) = std::env::var_os(name) {
                self.set(name, &v.to_string_lossy());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_unset_and_order() {
        let mut v = Vars::new();
        v.set("b", "2");
        v.set("a", "");
        v.set("B", "x");
        assert_eq!(v.get("b"), Some("2"));
        assert!(v.is_set("a"));
        assert_eq!(v.nonempty("a"), None);
        let names: Vec<_> = v.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["B", "a", "b"]);
        assert!(v.unset("a"));
        assert!(!v.unset("a"));
    }
}
