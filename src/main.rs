//! The `breachlab` command: generate datasets, run detectors over them, score alerts.

mod cli;
mod commands;
mod interrupt;
mod limits;

use clap::Parser;

fn main() {
    ignore_file_size_signal();
    let cli = cli::Cli::parse();
    let result = commands::run(cli);
    if let Err(error) = result {
        if commands::is_broken_pipe(&error) {
            return;
        }
        eprintln!("error: {}", commands::error_text(&error));
        std::process::exit(match error.downcast_ref::<interrupt::Interrupted>() {
            Some(_) => 130,
            None => 1,
        });
    }
}

/// Past a file-size limit (`ulimit -f`) the kernel sends SIGXFSZ, which kills the
/// process before it can clean up; ignored, the write fails with EFBIG instead and
/// becomes an ordinary error that removes the temporary files.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN at startup, before any thread
    // exists, installs no handler code and touches no Rust state.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
