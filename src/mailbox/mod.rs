//! The mailbox engine: reading, indexing and writing mbox files.
//!
//! (Summary filled in below.)

pub mod flags;
pub mod index;
pub mod lock;
pub mod render;
pub mod write;

pub use flags::MsgFlags;
pub use index::{FromLine, Headers, Mailbox, MsgEntry, NotMbox};
pub use lock::{LockError, LockOptions, MailboxLock};
pub use render::{RenderOptions, render_message};
pub use write::{QuitOptions, QuitOutcome, RewriteMethod, WriteError, quit, recover_interrupted};
