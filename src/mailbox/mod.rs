//! The mailbox engine: reading, indexing and writing mbox files.
//!
//! (Summary filled in below.)

pub mod flags;
pub mod index;
pub mod render;

pub use flags::MsgFlags;
pub use index::{FromLine, Headers, Mailbox, MsgEntry, NotMbox};
pub use render::{RenderOptions, render_message};
