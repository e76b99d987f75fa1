//! Asking for a secret on the terminal, without echo: one way for `loft user passwd`,
//! `loft send` and `loft chat`.
//!
//! The prompt goes to `/dev/tty`, not standard input, so that a command whose standard
//! input is a message or a pipe can still ask for a password; with no terminal at all the
//! caller says what to do instead (`--password-stdin`, an environment variable).

use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;

/// Asks `prompt` on the terminal with echo off and returns the line typed (without its
/// end); `None` when there is no terminal or nothing was typed before end of input.
pub fn secret(prompt: &str) -> Option<String> {
    let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
    let fd = tty.as_raw_fd();
    // SAFETY: plain termios calls on a file descriptor we own for the duration.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) != 0 {
            return None;
        }
        let saved = t;
        t.c_lflag &= !libc::ECHO;
        t.c_lflag |= libc::ECHONL;
        libc::tcsetattr(fd, libc::TCSANOW, &t);
        saved
    };
    let mut w = &tty;
    let _ = w.write_all(prompt.as_bytes());
    let _ = w.flush();
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    // SAFETY: restores the settings saved above.
    unsafe {
        libc::tcsetattr(fd, libc::TCSANOW, &saved);
    }
    read.ok().filter(|n| *n > 0)?;
    Some(line.trim_end_matches(['\n', '\r']).to_string())
}
