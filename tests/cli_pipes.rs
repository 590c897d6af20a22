//! Listing commands piped into a reader that stops early (`breachlab scenarios show
//! tmobile-2023 | head`) end quietly, as `cat` does, instead of panicking on the closed
//! pipe. The reader is gone before the command starts, so every write meets it closed.

#![cfg(unix)]

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_breachlab");

/// A pipe whose reading end is already closed: its writing end, for a child's stdout.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: `pipe` fills two fresh descriptors that this test then owns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe failed");
    // SAFETY: each descriptor is owned once; dropping the read end closes it.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

#[test]
fn listings_into_a_closed_pipe_end_quietly() {
    for args in [
        &["scenarios", "show", "tmobile-2023"][..],
        &["scenarios"],
        &["detectors"],
    ] {
        let output = Command::new(BIN)
            .args(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .expect("run breachlab");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{args:?}: {:?}, stderr: {stderr}",
            output.status
        );
        assert!(stderr.is_empty(), "{args:?} said: {stderr}");
    }
}
