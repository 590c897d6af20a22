//! The child process of an external detector.
//!
//! Each child runs `sh -c COMMAND` in a process group of its own, so that a kill reaches
//! everything the command started (the shell and the interpreter it launched), and a
//! terminal's Ctrl-C does not reach it behind the harness's back. Every live child is
//! listed in a registry so that [`kill_running_detectors`] (called on SIGINT/SIGTERM) can
//! end them all; every other path (success, error, timeout, drop) kills and reaps its own,
//! and a child that exits on its own has its group killed too, so that nothing it left
//! running in the background outlives the run.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Process-group ids of the children not yet reaped.
static RUNNING: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Kills every external detector still running (their whole process groups). Safe to call
/// from a signal-handling thread; the owners still reap them.
pub fn kill_running_detectors() {
    let groups = RUNNING
        .lock()
        .map(|running| running.clone())
        .unwrap_or_default();
    for group in groups {
        kill_group(group);
    }
}

/// True when the child `pid` has exited, without reaping it (`waitid` with `WNOWAIT`).
#[cfg(target_os = "linux")]
fn exited_unreaped(pid: u32) -> bool {
    // SAFETY: waitid(2) writes only into the zeroed siginfo_t it is given; WNOWAIT leaves
    // the child waitable, so `Child::wait` still reaps it; si_pid is read from a union
    // that waitid filled (or left zero when no child changed state).
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOWAIT | libc::WNOHANG;
        libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) == 0 && info.si_pid() != 0
    }
}

fn kill_group(group: i32) {
    // SAFETY: kill(2) has no memory effects; a negative pid names a process group.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
}

/// A running child with its three pipes taken out once by the caller.
pub(crate) struct DetectorProcess {
    child: Child,
    group: i32,
    status: Option<ExitStatus>,
}

impl DetectorProcess {
    pub fn spawn(command: &str) -> io::Result<Self> {
        let child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let group = child.id() as i32;
        if let Ok(mut running) = RUNNING.lock() {
            running.insert(group);
        }
        Ok(DetectorProcess {
            child,
            group,
            status: None,
        })
    }

    pub fn take_pipes(&mut self) -> (ChildStdin, ChildStdout, ChildStderr) {
        let pipes = (
            self.child.stdin.take(),
            self.child.stdout.take(),
            self.child.stderr.take(),
        );
        match pipes {
            (Some(stdin), Some(stdout), Some(stderr)) => (stdin, stdout, stderr),
            _ => unreachable!("pipes are requested at spawn and taken once"),
        }
    }

    /// The exit status if the child ends within `timeout`.
    pub fn wait_for(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.status {
                return Some(status);
            }
            if let Some(status) = self.reap_if_exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// When the shell has exited: kills what is left of its group (a background
    /// process it started, still holding the pipes or running on), then reaps it. On
    /// Linux the group is killed while the exited shell is not yet reaped, so its group id
    /// cannot have been taken by an unrelated process.
    fn reap_if_exited(&mut self) -> Option<ExitStatus> {
        #[cfg(target_os = "linux")]
        {
            if !exited_unreaped(self.child.id()) {
                return None;
            }
            kill_group(self.group);
            let status = self.child.wait().ok()?;
            self.reaped(status);
            Some(status)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let status = self.child.try_wait().ok()??;
            kill_group(self.group);
            self.reaped(status);
            Some(status)
        }
    }

    /// Kills the whole group (if not reaped yet) and reaps the child.
    pub fn kill(&mut self) {
        if self.status.is_some() {
            return;
        }
        kill_group(self.group);
        let _ = self.child.kill();
        if let Ok(status) = self.child.wait() {
            self.reaped(status);
        }
    }

    fn reaped(&mut self, status: ExitStatus) {
        self.status = Some(status);
        if let Ok(mut running) = RUNNING.lock() {
            running.remove(&self.group);
        }
    }
}

impl Drop for DetectorProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// "exited with code 3", "was killed by signal 11 (SIGSEGV)".
///
/// The command runs under `sh -c`, and a shell whose command is killed by signal N exits
/// itself with status 128 + N: such a status (129..=192) is reported as the signal, with
/// the raw status alongside since a program may also exit with that code on its own.
pub(crate) fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        if let Some(signal) = shell_signal(code) {
            return format!(
                "was killed by signal {signal}{} (the shell running it exited with {code} = 128 + {signal})",
                signal_name(signal)
            );
        }
        return format!("exited with code {code}");
    }
    match status.signal() {
        Some(signal) => format!("was killed by signal {signal}{}", signal_name(signal)),
        None => format!("ended with {status}"),
    }
}

/// The signal a `sh` exit status of 128 + N stands for, N a real signal number.
fn shell_signal(code: i32) -> Option<i32> {
    let signal = code - 128;
    (1..=64).contains(&signal).then_some(signal)
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGFPE => " (SIGFPE)",
        libc::SIGILL => " (SIGILL)",
        libc::SIGPIPE => " (SIGPIPE)",
        libc::SIGHUP => " (SIGHUP)",
        libc::SIGQUIT => " (SIGQUIT)",
        libc::SIGXCPU => " (SIGXCPU)",
        libc::SIGXFSZ => " (SIGXFSZ)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(command: &str) -> String {
        let mut process = DetectorProcess::spawn(command).expect("sh starts");
        let status = process.wait_for(Duration::from_secs(20)).expect("it ends");
        describe_status(status)
    }

    #[test]
    fn a_signal_is_reported_as_the_signal_even_under_sh() {
        // `sh -c` with more than one command does not exec the last: the shell reports
        // the child's SIGSEGV as exit status 139.
        let text = run("true; kill -SEGV $$");
        assert!(
            text.starts_with("was killed by signal 11 (SIGSEGV)"),
            "{text}"
        );
        let text = run("sh -c 'kill -SEGV $$'; exit $?");
        assert!(
            text.starts_with("was killed by signal 11 (SIGSEGV)"),
            "{text}"
        );
        assert!(text.contains("139"), "{text}");
        assert_eq!(run("exit 3"), "exited with code 3");
    }
}
