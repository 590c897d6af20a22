//! Detectors in any language: a program started as a child process that reads the
//! `events` columns as an Arrow IPC stream on stdin and writes one score per event on
//! stdout (protocol version 1, specified in `docs/detector-protocol.md`).
//!
//! Three threads per child keep the harness from ever blocking on it: a writer feeds it
//! batches, a reader decodes its answers, and a third passes its stderr through, each
//! line prefixed with the detector's name. The harness hands over one batch and waits
//! (at most `timeout`) for that batch's scores before sending the next, so at most one
//! batch is in flight and memory stays bounded. On any fault the child's whole process
//! group is killed and reaped, and the fault is kept and returned from then on.

mod error;
mod process;
pub mod protocol;
mod source;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::{ChildStderr, ChildStdin, ChildStdout};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::SchemaRef;
use breachlab_dataset::guard::catch_decode_panic;
use breachlab_detectors::{ParamValue, Params};

pub use error::{ExternalError, Fault, Stage, TIMED_OUT};
pub use process::kill_running_detectors;
use process::{DetectorProcess, describe_status};
use protocol::{Hello, ScoreFormat};
pub use source::external_spec;

/// Default for `--detector-timeout`: the longest wait for the hello line or for one
/// batch's scores.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Threshold of a detector whose hello names none.
pub const DEFAULT_THRESHOLD: f64 = 1.0;
/// Lines of the child's stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 6;
/// Score lines gathered before they are handed over, in the JSON-lines format.
const LINES_PER_CHUNK: usize = 8192;

/// How to run one external detector.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSpec {
    /// A shell command line, run as `sh -c COMMAND`.
    pub command: String,
    /// The name in reports; default: the name in the hello line, else the command.
    pub name: Option<String>,
    /// Longest wait for the hello line, for one batch's scores, and for exit at the end.
    pub timeout: Duration,
}

impl ExternalSpec {
    pub fn new(command: impl Into<String>) -> Self {
        ExternalSpec {
            command: command.into(),
            name: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What the threads tell the detector.
enum Event {
    Hello(Result<Hello, String>),
    Scores(Vec<f64>),
    Garbage(String),
    /// Stdout closed.
    End,
}

/// A running external detector.
pub struct ExternalDetector {
    name: String,
    params: Params,
    threshold: f64,
    format: ScoreFormat,
    timeout: Duration,
    schema: SchemaRef,
    process: DetectorProcess,
    batches: Option<SyncSender<RecordBatch>>,
    events: Receiver<Event>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// JSON-lines scores received but not yet matched to a batch.
    pending: VecDeque<f64>,
    batches_sent: u64,
    events_sent: u64,
    failure: Option<ExternalError>,
    finished: bool,
}

impl ExternalDetector {
    /// Starts the program and waits for its hello line.
    pub fn start(spec: &ExternalSpec) -> Result<Self, ExternalError> {
        let label = spec.name.clone().unwrap_or_else(|| spec.command.clone());
        let fail = |fault| ExternalError {
            detector: label.clone(),
            stage: Stage::Start,
            fault,
            stderr_tail: Vec::new(),
        };
        let mut process =
            DetectorProcess::spawn(&spec.command).map_err(|e| fail(Fault::Spawn(e.to_string())))?;
        let (stdin, stdout, stderr) = process.take_pipes();
        let schema = protocol::input_schema(&label);
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let prefix = Arc::new(Mutex::new(label.clone()));
        spawn_stderr_relay(stderr, prefix.clone(), stderr_tail.clone());
        let (event_sender, events) = sync_channel(4);
        let (batch_sender, batch_receiver) = sync_channel(1);
        spawn_writer(stdin, schema.clone(), batch_receiver);
        spawn_reader(stdout, event_sender);
        let mut detector = ExternalDetector {
            name: label,
            params: Params::new(),
            threshold: DEFAULT_THRESHOLD,
            format: ScoreFormat::Arrow,
            timeout: spec.timeout,
            schema,
            process,
            batches: Some(batch_sender),
            events,
            stderr_tail,
            pending: VecDeque::new(),
            batches_sent: 0,
            events_sent: 0,
            failure: None,
            finished: false,
        };
        let hello = detector.await_hello()?;
        if spec.name.is_none()
            && let Some(name) = &hello.name
        {
            detector.name = name.clone();
            if let Ok(mut prefix) = prefix.lock() {
                prefix.clone_from(name);
            }
        }
        detector.format = hello.format;
        detector.threshold = hello.threshold.unwrap_or(DEFAULT_THRESHOLD);
        detector.params = report_params(spec, &hello);
        Ok(detector)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The command, the score format and the parameters the hello line declared.
    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn default_threshold(&self) -> f64 {
        self.threshold
    }

    /// Sends `batch` and appends the child's scores for it to `scores`. After a fault,
    /// the child is gone and every later call returns the same error.
    pub fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), ExternalError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let rows = batch.num_rows();
        self.batches_sent += 1;
        let stage = Stage::Batch {
            number: self.batches_sent,
            first_event: self.events_sent,
            rows,
        };
        self.events_sent += rows as u64;
        match self.exchange(batch, rows) {
            Ok(batch_scores) => {
                scores.extend_from_slice(&batch_scores);
                Ok(())
            }
            Err(fault) => Err(self.fail(stage, fault)),
        }
    }

    /// Closes the child's input, checks it wrote nothing more, and waits for it to exit
    /// with status 0. Call once after the last batch; dropping also ends the child.
    pub fn finish(&mut self) -> Result<(), ExternalError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.batches = None;
        match self.await_exit() {
            Ok(()) => Ok(()),
            Err(fault) => Err(self.fail(Stage::Finish, fault)),
        }
    }

    fn exchange(&mut self, batch: &RecordBatch, rows: usize) -> Result<Vec<f64>, Fault> {
        self.check_no_surplus()?;
        let events = protocol::project_events(batch, &self.schema).map_err(Fault::Input)?;
        let sender = self
            .batches
            .as_ref()
            .ok_or_else(|| Fault::Input("score_batch was called after finish".to_string()))?;
        // A failed send means the writer stopped (the child closed its stdin); its
        // answer, or its exit, tells what happened.
        let _ = sender.send(events);
        let deadline = Instant::now() + self.timeout;
        match self.format {
            ScoreFormat::Arrow => self.arrow_scores(rows, deadline),
            ScoreFormat::Jsonl => self.line_scores(rows, deadline),
        }
    }

    fn arrow_scores(&mut self, rows: usize, deadline: Instant) -> Result<Vec<f64>, Fault> {
        match self.next_event(deadline)? {
            Event::Scores(scores) if scores.len() == rows => Ok(scores),
            Event::Scores(scores) => Err(Fault::WrongCount {
                expected: rows,
                got: scores.len(),
            }),
            other => Err(self.unexpected(other, rows, 0)),
        }
    }

    fn line_scores(&mut self, rows: usize, deadline: Instant) -> Result<Vec<f64>, Fault> {
        while self.pending.len() < rows {
            match self.next_event(deadline)? {
                Event::Scores(scores) => self.pending.extend(scores),
                other => {
                    let got = self.pending.len();
                    return Err(self.unexpected(other, rows, got));
                }
            }
        }
        if self.pending.len() > rows {
            return Err(Fault::WrongCount {
                expected: rows,
                got: self.pending.len(),
            });
        }
        Ok(self.pending.drain(..).collect())
    }

    /// Scores that arrived after the previous batch was answered belong to no batch.
    fn check_no_surplus(&mut self) -> Result<(), Fault> {
        let mut extra = self.pending.len();
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Scores(scores) => extra += scores.len(),
                Event::Garbage(reason) => return Err(Fault::Garbage(reason)),
                Event::Hello(_) | Event::End => {}
            }
        }
        if extra > 0 {
            return Err(Fault::ExtraScores { count: extra });
        }
        Ok(())
    }

    fn unexpected(&mut self, event: Event, expected: usize, got: usize) -> Fault {
        match event {
            Event::Garbage(reason) => Fault::Garbage(reason),
            Event::End => {
                let status = self.exit_description();
                if got > 0 {
                    Fault::Exited(format!(
                        "its output ended after {got} of {expected} scores; it {status}"
                    ))
                } else {
                    Fault::Exited(format!("its output ended; it {status}"))
                }
            }
            Event::Hello(_) => Fault::Garbage("a second hello line".to_string()),
            Event::Scores(_) => unreachable!("scores are handled by the caller"),
        }
    }

    fn next_event(&mut self, deadline: Instant) -> Result<Event, Fault> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.events.recv_timeout(wait) {
            Ok(event) => Ok(event),
            Err(RecvTimeoutError::Timeout) => Err(Fault::Timeout {
                secs: self.timeout.as_secs_f64(),
            }),
            Err(RecvTimeoutError::Disconnected) => Ok(Event::End),
        }
    }

    fn await_hello(&mut self) -> Result<Hello, ExternalError> {
        let deadline = Instant::now() + self.timeout;
        let fault = match self.next_event(deadline) {
            Ok(Event::Hello(Ok(hello))) => return Ok(hello),
            Ok(Event::Hello(Err(reason))) => Fault::Handshake(reason),
            Ok(Event::Garbage(reason)) => Fault::Handshake(reason),
            Ok(Event::End) => Fault::Handshake(format!(
                "it wrote no hello line; it {}",
                self.exit_description()
            )),
            Ok(Event::Scores(_)) => unreachable!("scores only follow a hello"),
            Err(fault) => fault,
        };
        Err(self.fail(Stage::Start, fault))
    }

    fn await_exit(&mut self) -> Result<(), Fault> {
        let deadline = Instant::now() + self.timeout;
        let mut extra = self.pending.len();
        loop {
            match self.next_event(deadline)? {
                Event::Scores(scores) => extra += scores.len(),
                Event::Garbage(reason) => return Err(Fault::Garbage(reason)),
                Event::Hello(_) => {}
                Event::End => break,
            }
        }
        if extra > 0 {
            return Err(Fault::ExtraScores { count: extra });
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.process.wait_for(wait) {
            Some(status) if status.success() => Ok(()),
            Some(status) => Err(Fault::Exited(format!(
                "it {} after writing all its scores",
                describe_status(status)
            ))),
            None => Err(Fault::Timeout {
                secs: self.timeout.as_secs_f64(),
            }),
        }
    }

    /// How the child ended, waiting briefly for it after its stdout closed.
    fn exit_description(&mut self) -> String {
        match self.process.wait_for(Duration::from_secs(2)) {
            Some(status) => describe_status(status),
            None => "closed its stdout but kept running".to_string(),
        }
    }

    fn fail(&mut self, stage: Stage, fault: Fault) -> ExternalError {
        self.process.kill();
        self.batches = None;
        // Give the stderr relay a moment to drain what the child wrote before dying.
        thread::sleep(Duration::from_millis(20));
        let stderr_tail = self
            .stderr_tail
            .lock()
            .map(|tail| tail.iter().cloned().collect())
            .unwrap_or_default();
        let error = ExternalError {
            detector: self.name.clone(),
            stage,
            fault,
            stderr_tail,
        };
        self.failure = Some(error.clone());
        error
    }
}

fn report_params(spec: &ExternalSpec, hello: &Hello) -> Params {
    let mut params = Params::new();
    for (key, value) in hello.params.iter().flatten() {
        let value = match value {
            serde_json::Value::Bool(b) => ParamValue::from(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => ParamValue::from(i),
                None => ParamValue::from(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => ParamValue::from(s.as_str()),
            other => ParamValue::from(other.to_string()),
        };
        params.insert(key.as_str(), value);
    }
    params.insert("command", spec.command.as_str());
    params.insert("format", hello.format.as_str());
    params
}

fn spawn_writer(stdin: ChildStdin, schema: SchemaRef, batches: Receiver<RecordBatch>) {
    thread::spawn(move || {
        let Ok(mut writer) = StreamWriter::try_new(BufWriter::new(stdin), &schema) else {
            return;
        };
        if writer.flush().is_err() {
            return;
        }
        for batch in batches {
            if writer.write(&batch).and_then(|()| writer.flush()).is_err() {
                return;
            }
        }
        let _ = writer.finish();
    });
}

fn spawn_reader(stdout: ChildStdout, events: SyncSender<Event>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = (&mut reader)
            .take(protocol::MAX_HELLO_BYTES)
            .read_line(&mut line);
        let hello = match read {
            Ok(0) => {
                let _ = events.send(Event::End);
                return;
            }
            Ok(_) if !line.ends_with('\n') => Err(format!(
                "its first line is not a hello line (no newline within {} bytes): `{}`",
                protocol::MAX_HELLO_BYTES,
                protocol::shorten(&line)
            )),
            Ok(_) => protocol::parse_hello(&line),
            Err(e) => Err(format!("its first line is not UTF-8 text ({e})")),
        };
        let format = hello.as_ref().map(|h| h.format).ok();
        if events.send(Event::Hello(hello)).is_err() {
            return;
        }
        let outcome = match format {
            // The Arrow decoder can panic on a damaged stream: that is the child's
            // fault, reported like any unreadable reply.
            Some(ScoreFormat::Arrow) => catch_decode_panic(|| relay_arrow(reader, &events))
                .unwrap_or_else(|panic| Err(format!("unreadable Arrow IPC message: {panic}"))),
            Some(ScoreFormat::Jsonl) => relay_lines(reader, &events),
            None => return,
        };
        let last = match outcome {
            Ok(()) => Event::End,
            Err(reason) => Event::Garbage(reason),
        };
        let _ = events.send(last);
    });
}

/// Every message of an Arrow IPC stream starts with this marker. Checking it first keeps
/// text on stdout from being read as a message length (four letters make a length of
/// hundreds of megabytes, and the reader would wait for them until the timeout).
const ARROW_CONTINUATION: [u8; 4] = [0xFF; 4];

/// Decodes score batches until the stream ends; `Err` when it is not a valid stream.
fn relay_arrow(
    mut reader: BufReader<ChildStdout>,
    events: &SyncSender<Event>,
) -> Result<(), String> {
    let mut start = [0u8; 4];
    reader
        .read_exact(&mut start)
        .map_err(|e| format!("expected an Arrow IPC stream after the hello line: {e}"))?;
    if start != ARROW_CONTINUATION {
        return Err(format!(
            "expected an Arrow IPC stream after the hello line, got {:?}",
            String::from_utf8_lossy(&start)
        ));
    }
    let tail = Arc::new(Mutex::new([0u8; 8]));
    let input = TailTracking {
        inner: std::io::Cursor::new(start).chain(reader),
        tail: Arc::clone(&tail),
    };
    let stream = StreamReader::try_new(input, None)
        .map_err(|e| format!("expected an Arrow IPC stream after the hello line: {e}"))?;
    for batch in stream {
        let batch = batch.map_err(|e| format!("unreadable Arrow IPC message: {e}"))?;
        let scores = protocol::batch_scores(&batch)?;
        if events.send(Event::Scores(scores)).is_err() {
            return Ok(());
        }
    }
    if tail
        .lock()
        .map(|t| *t != ARROW_END_OF_STREAM)
        .unwrap_or(true)
    {
        return Err(
            "its Arrow IPC stream ended without the end-of-stream marker (it exited before closing its stream writer)"
                .to_string(),
        );
    }
    Ok(())
}

/// The end-of-stream marker that closes an Arrow IPC stream: a continuation marker and a
/// zero length. A stream cut off by an exit ends without it; the reader alone would take
/// that for a normal end.
const ARROW_END_OF_STREAM: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

/// A reader that keeps the last 8 bytes read, to see how the stream ended.
struct TailTracking<R> {
    inner: R,
    tail: Arc<Mutex<[u8; 8]>>,
}

impl<R: Read> Read for TailTracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0
            && let Ok(mut tail) = self.tail.lock()
        {
            let read = &buf[..n];
            if n >= 8 {
                tail.copy_from_slice(&read[n - 8..]);
            } else {
                tail.copy_within(n.., 0);
                tail[8 - n..].copy_from_slice(read);
            }
        }
        Ok(n)
    }
}

/// Parses score lines in chunks until stdout closes; `Err` at the first bad line.
fn relay_lines(reader: BufReader<ChildStdout>, events: &SyncSender<Event>) -> Result<(), String> {
    let mut chunk = Vec::new();
    let mut reader = reader;
    let mut line = String::new();
    let mut number = 1_u64;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| format!("score line {number} is not UTF-8 text ({e})"))?;
        if read == 0 {
            break;
        }
        if !line.trim().is_empty() {
            let score =
                protocol::line_score(&line).map_err(|e| format!("score line {number}: {e}"))?;
            chunk.push(score);
        }
        number += 1;
        let flush = chunk.len() >= LINES_PER_CHUNK || reader.buffer().is_empty();
        if flush
            && !chunk.is_empty()
            && events
                .send(Event::Scores(std::mem::take(&mut chunk)))
                .is_err()
        {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        let _ = events.send(Event::Scores(chunk));
    }
    Ok(())
}

fn spawn_stderr_relay(
    stderr: ChildStderr,
    prefix: Arc<Mutex<String>>,
    tail: Arc<Mutex<VecDeque<String>>>,
) {
    thread::spawn(move || {
        let mut output = std::io::stderr();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            let name = prefix.lock().map(|p| p.clone()).unwrap_or_default();
            let _ = writeln!(output, "[{name}] {line}");
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == STDERR_TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    });
}

impl Drop for ExternalDetector {
    fn drop(&mut self) {
        self.process.kill();
    }
}
