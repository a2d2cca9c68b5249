//! The `~/.netrc` reader: arbitrary text never panics, every entry it finds
//! is one `netrc_lookup` can return, and a lookup only returns a password
//! some entry holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let entries = mailx::secrets::netrc_entries(&text);
    let hosts: Vec<String> = entries
        .iter()
        .filter_map(|e| e.machine.clone())
        .chain(["unknown.example".to_string()])
        .collect();
    for host in &hosts {
        for user in [None, Some("user")] {
            if let Some((_, password)) = mailx::secrets::netrc_lookup(&text, host, user) {
                assert!(
                    entries
                        .iter()
                        .any(|e| e.password.as_deref() == Some(password.as_str())),
                    "a password no entry holds"
                );
            }
        }
    }
});
