//! Quoting messages into a message being composed: `~m`/`~f` (and
//! `~M`/`~F`) take a message list of the open folder.

use super::ReadState;
use super::msglist::{self, MsgReq};
use super::show::decoded;
use crate::mailbox::{RenderOptions, render_message};
use crate::mimeview::prefix_lines;
use crate::session::Session;
use crate::{outln, outp, util};

/// `~m`/`~f` (and `~M`/`~F`) in the composer: the listed messages (default:
/// the current one) with `indentprefix` (a tab) before each line for `~m`,
/// ignored headers hidden unless upper case; prints `Interpolating: N...`.
/// None (with `No appropriate messages`) when there are none.
pub(crate) fn interpolate(
    s: &mut Session,
    st: &mut ReadState,
    list: &str,
    indent: bool,
    all_headers: bool,
) -> Option<Vec<u8>> {
    let searchheaders = s.is_set("searchheaders");
    let kind = msglist::ListKind {
        want_deleted: false,
        takes_names: true,
    };
    let mut msgs = msglist::getmsglist(st, list, &kind, searchheaders)?;
    if msgs.is_empty() {
        match msglist::first(st, MsgReq::Normal) {
            Some(m) => msgs.push(m),
            None => {
                outln!("No appropriate messages");
                return None;
            }
        }
    }
    let prefix: Option<Vec<u8>> =
        indent.then(|| s.value("indentprefix").unwrap_or("\t").as_bytes().to_vec());
    let ign = (!all_headers).then(|| s.ignore.clone());
    let pred = |name: &str| ign.as_ref().is_some_and(|t| t.hides(name));
    let opts = RenderOptions {
        ignore: if ign.is_some() { Some(&pred) } else { None },
        prefix: prefix.as_deref(),
        ..Default::default()
    };
    outp!("Interpolating:");
    let mut out = Vec::new();
    for &m in &msgs {
        st.touch(m - 1);
        outp!(" {m}");
        let f = st.flags(m - 1);
        // ~m/~f quote the decoded text of a MIME message; ~M/~F the raw one.
        if !all_headers && let Some(d) = decoded(st, m - 1, ign.as_ref()) {
            match &prefix {
                Some(p) => out.extend(prefix_lines(&d, p)),
                None => out.extend(d),
            }
            continue;
        }
        if let Err(e) = render_message(&*st.mb, m - 1, f, &opts, &mut out) {
            util::warn("temporary file", &e);
            return None;
        }
    }
    outln!();
    Some(out)
}
