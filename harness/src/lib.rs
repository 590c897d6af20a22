//! breachlab's harness: scores detectors on a dataset by what matters for a breach.
//!
//! - [`metrics`]: pure, streaming metrics over plain columns (no I/O);
//! - [`audit`]: the leakage audit, the best one- and two-column rules per campaign;
//! - [`alerts`]: alert files (per event or per entity interval) scored as a detector;
//! - [`external`]: detectors written in any language, run as child processes;
//! - [`report`]: the `report.json` contract, the Markdown, terminal and HTML views, and
//!   the report folder they are written into;
//! - [`inputs`]: a dataset's files checked before a pass and its labels decoded;
//! - [`runner`]: reads a dataset once and scores every detector on it;
//! - [`calibration`]: thresholds from a false-alarm budget on other seeds, and the budget
//!   leaderboard;
//! - [`bench`]: a bench's orchestration: calibration on held-out seeds, the seed loop,
//!   the budget leaderboard and the audit summary, over datasets the caller supplies;
//! - [`error`]: the errors of a run and of writing a report, below every other module.

pub mod alerts;
pub mod audit;
pub mod bench;
pub mod calibration;
pub mod error;
pub mod external;
pub mod inputs;
pub mod metrics;
pub mod report;
pub mod runner;
#[cfg(feature = "testing")]
pub mod testing;

pub use metrics::{
    CampaignInfo, DetectorMetrics, MetricsAccumulator, MetricsConfig, MetricsError, ScoredColumns,
};
pub use report::{
    CostFigures, DetectorReport, Report, ReportError, ThresholdSource, render_html,
    render_markdown, render_terminal_table, write_json,
};
