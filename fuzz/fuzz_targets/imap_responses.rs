//! IMAP server responses: arbitrary bytes from a server are framed into
//! responses (lines and `{N}` literals, with the size limits), parsed by
//! imap-proto and turned into summary entries as an IMAP folder does;
//! also the framing that hands large literals to the spool, and the data
//! as a modified UTF-7 folder name; nothing panics and no response
//! reaches past the data.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mailx::fuzz_imap_responses(data);
});
