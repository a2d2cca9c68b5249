//! Appending messages to an mbox folder (`save`, `copy`, `write`):
//! bsd-mailx's `fopen(path, "a")`, cut back to the old length when a
//! write fails.

use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{WriteError, io_at};
use crate::mailbox::folder::Folder;
use crate::mailbox::render::{RenderOptions, render_message};

/// What [`append_messages`](crate::mailbox::append_messages) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The file did not exist before (bsd-mailx prints `[New file]`, else
    /// `[Appended]`).
    pub new_file: bool,
    /// Bytes written.
    pub bytes: u64,
}

/// Appends messages `which` (0-based) of the folder `mb` (any format) to
/// the mbox file `path`, each rendered with `opts`. The file is created
/// with mode 0666 minus the umask, as `fopen(path, "a")` does. On a write
/// error the file is cut back to its old length, so no partial message is
/// left. See [`append_messages`](crate::mailbox::append_messages), the
/// entry point that chooses this by the target's format.
pub(crate) fn append_mbox(
    mb: &dyn Folder,
    which: &[usize],
    path: &Path,
    opts: &RenderOptions<'_>,
) -> Result<AppendOutcome, WriteError> {
    let err = io_at(path);
    let new_file = fs::symlink_metadata(path).is_err();
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o666)
        .open(path)
        .map_err(&err)?;
    let old = f.metadata().map_err(&err)?.len();
    let r = (|| -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 16, &f);
        let mut n = 0;
        for &i in which {
            n += render_message(mb, i, mb.flags(i), opts, &mut w)?;
        }
        w.flush()?;
        Ok(n)
    })();
    match r {
        Ok(bytes) => Ok(AppendOutcome { new_file, bytes }),
        Err(e) => {
            let _ = f.set_len(old);
            Err(err(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::append_messages;
    use crate::mailbox::flags::MsgFlags;
    use crate::mailbox::mbox::Mailbox;
    use crate::mailbox::testutil::{A, B, tmpdir};

    #[test]
    fn append_messages_to_a_folder() {
        let d = tmpdir();
        let p = d.join("box");
        fs::write(&p, format!("{A}{B}")).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        mb.flags_mut(1).insert(MsgFlags::TOUCH | MsgFlags::READ);
        let f = d.join("saved");
        let r = append_messages(&mb, &[1], &f, &RenderOptions::default(), false).unwrap();
        assert!(r.new_file);
        let r = append_messages(&mb, &[0], &f, &RenderOptions::default(), false).unwrap();
        assert!(!r.new_file);
        let want = format!(
            "{}{A}",
            B.replace("Subject: b\n", "Subject: b\nStatus: R\n")
        );
        assert_eq!(fs::read_to_string(&f).unwrap(), want);
        assert_eq!(r.bytes, A.len() as u64);
        let e = append_messages(
            &mb,
            &[0],
            &d.join("no/such/dir"),
            &Default::default(),
            false,
        );
        assert!(
            e.unwrap_err()
                .to_string()
                .ends_with("No such file or directory")
        );
        fs::remove_dir_all(&d).unwrap();
    }
}
