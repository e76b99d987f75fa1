//! Chat-aware storage: what makes Loft more than an FTP server.
//!
//! An FTPChat room is a file that many people append to at once, one session per message,
//! and that readers follow by byte offset. A plain FTP server appends without a lock and
//! loses lines; Loft routes every write to a room through [`room`], which serializes,
//! validates ([`token`]) and de-duplicates them. [`backend`] is the libunftp storage
//! backend that decides what is a room and confines each user to their home. [`rotate`]
//! keeps rooms small behind logical offsets that never move, and [`site`] adds `SITE WAIT`
//! (instant delivery) and `SITE SEEN` (read receipts).

pub mod backend;
pub mod glob;
pub mod room;
pub mod rotate;
pub mod site;
pub mod token;
