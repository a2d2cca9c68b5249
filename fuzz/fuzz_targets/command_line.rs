//! Command lines: getopt parsing of arbitrary argv and shell-like word
//! splitting of arbitrary command text never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let args: Vec<std::ffi::OsString> = s.split('\0').map(std::ffi::OsString::from).collect();
    let _ = mailx::cli::parse(&args, false);
    let _ = mailx::cli::parse(&args, true);
    for line in s.lines() {
        let _ = mailx::lex::getrawlist(line);
        let _ = mailx::interp::table::lookup(line.split_whitespace().next().unwrap_or(""));
    }
});
