//! What can go wrong with an external detector, always said with its name and, once
//! scoring has started, the batch (1-based, with its event range) it went wrong on.

use std::fmt;

/// Where in the run a fault happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Starting the program or reading its hello line.
    Start,
    /// Scoring input batch `number` (1-based), holding events `first..first + rows`.
    Batch {
        number: u64,
        first_event: u64,
        rows: usize,
    },
    /// After the last batch: closing its input and waiting for it to exit.
    Finish,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Start => f.write_str("at start-up"),
            Stage::Batch {
                number,
                first_event,
                rows,
            } => write!(
                f,
                "on batch {number} (events {first_event}..{} of the stream, {rows} rows)",
                first_event + *rows as u64
            ),
            Stage::Finish => f.write_str("after its last batch"),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The program could not be started.
    Spawn(String),
    /// Its first line was not a valid hello.
    Handshake(String),
    /// It ended (or closed its output) before answering.
    Exited(String),
    /// No answer within the timeout; it was killed.
    Timeout { secs: f64 },
    /// Its output could not be decoded.
    Garbage(String),
    /// It answered with the wrong number of scores.
    WrongCount { expected: usize, got: usize },
    /// It wrote scores after the last batch.
    ExtraScores { count: usize },
    /// The harness could not hand it a batch.
    Input(String),
}

/// How a timed-out detector's error begins, so that a front end can tell it apart and
/// say how to allow more time.
pub const TIMED_OUT: &str = "gave no answer within";

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Spawn(reason) => write!(f, "could not be started: {reason}"),
            Fault::Handshake(reason) => write!(f, "failed the handshake: {reason}"),
            Fault::Exited(how) => write!(f, "stopped before answering: {how}"),
            Fault::Timeout { secs } => {
                write!(f, "{TIMED_OUT} {secs} s (its timeout) and was killed")
            }
            Fault::Garbage(reason) => write!(f, "wrote output that is not protocol 1: {reason}"),
            Fault::WrongCount { expected, got } => {
                write!(f, "returned {got} scores for {expected} events")
            }
            Fault::ExtraScores { count } => {
                write!(f, "wrote {count} scores beyond the last event")
            }
            Fault::Input(reason) => write!(f, "could not be given its input: {reason}"),
        }
    }
}

/// A fault of the external detector `detector`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalError {
    pub detector: String,
    pub stage: Stage,
    pub fault: Fault,
    /// The last lines the child wrote to stderr, oldest first.
    pub stderr_tail: Vec<String>,
}

impl fmt::Display for ExternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "external detector `{}` {} {}",
            self.detector, self.fault, self.stage
        )?;
        if !self.stderr_tail.is_empty() {
            write!(
                f,
                "; its last stderr lines: {}",
                self.stderr_tail.join(" | ")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ExternalError {}
