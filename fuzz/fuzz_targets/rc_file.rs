//! Start-up files: arbitrary text loaded as an rc file in send mode (where
//! only settings commands may run) never panics and never runs a program.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    // Only lines naming settings commands are kept: the target checks the
    // interpreter, not commands that reach a shell or the file system.
    use mailx::interp::table::CmdId::*;
    let text: Vec<u8> = data
        .split(|b| *b == b'\n')
        .filter(|l| {
            let t = String::from_utf8_lossy(l);
            let w = t.trim_start();
            if w.starts_with('!') {
                return false;
            }
            let word: String = w
                .chars()
                .take_while(|c| !" \t0123456789$^.:/-+*'\"".contains(*c))
                .collect();
            matches!(
                mailx::interp::table::lookup(&word).map(|c| c.id),
                Some(
                    Set | Unset
                        | Alias
                        | Unalias
                        | Alternates
                        | Ignore
                        | Retain
                        | SaveIgnore
                        | SaveRetain
                        | If
                        | Else
                        | Endif
                        | Echo
                        | Version
                        | List
                        | Comment
                )
            )
        })
        .flat_map(|l| l.iter().copied().chain(std::iter::once(b'\n')))
        .collect();
    let path = std::env::temp_dir().join(format!("mailx-fuzz-rc-{}", std::process::id()));
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&text).unwrap();
    drop(f);
    let mut s = mailx::session::Session::new("fuzz".into(), Some("/nonexistent".into()));
    s.rcvmode = false;
    let mut rd = None;
    let mut cx = mailx::interp::Ctx { s: &mut s, rd: &mut rd };
    mailx::interp::load(&mut cx, path.to_str().unwrap());
    mailx::output::discard();
});
