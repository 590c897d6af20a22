//! The streaming accumulator: push scored batches in time order, then finish.
//!
//! State is one entry per campaign, per actor and per distinct score; a batch split never
//! changes the result, because every per-event update depends only on earlier events.
//! A runner scoring many detectors on one pass indexes the labels once with a
//! [`LabelIndex`] and gives each detector only a [`DetectorTally`].

use super::actors::{ActorTally, FlaggedActors};
use super::alarms::AlarmCounter;
use super::campaigns::CampaignRole;
use super::campaigns::{CampaignDetection, quantile_linear};
use super::labels::{IndexedBatch, LabelIndex};
use super::ranking::{PR_CURVE_MAX_POINTS, ScoreHistogram};
use super::{
    CampaignInfo, Counts, DetectorMetrics, EventMetrics, MetricsConfig, MetricsError,
    ScoredColumns, f1_score, ratio,
};

/// Accumulates every metric of one detector at one threshold over a stream of events,
/// labels included: a [`LabelIndex`] of its own plus a [`DetectorTally`].
#[derive(Debug, Clone)]
pub struct MetricsAccumulator {
    labels: LabelIndex,
    tally: DetectorTally,
    batch: IndexedBatch,
}

impl MetricsAccumulator {
    /// A fresh accumulator. When two campaigns share an id, the first one wins.
    pub fn new(campaigns: &[CampaignInfo], config: MetricsConfig) -> Self {
        let labels = LabelIndex::new(campaigns);
        let tally = DetectorTally::new(&labels, config);
        Self {
            labels,
            tally,
            batch: IndexedBatch::default(),
        }
    }

    /// Adds one batch. Batches must follow each other in time; on mismatched column
    /// lengths nothing of the batch is taken.
    pub fn push(&mut self, columns: &ScoredColumns<'_>) -> Result<(), MetricsError> {
        let len = columns.checked_len()?;
        debug_assert_eq!(len, columns.score.len());
        self.labels.index(&columns.labels(), &mut self.batch)?;
        self.tally.push(&self.batch, columns.score)
    }

    /// Closes open alarms and computes every metric.
    pub fn finish(self) -> DetectorMetrics {
        self.tally.finish(&self.labels)
    }
}

/// The part of one detector's metrics that depends on its scores, fed with batches
/// indexed by the [`LabelIndex`] it was made from. Memory is one entry per campaign, per
/// flagged actor and per distinct score.
#[derive(Debug, Clone)]
pub struct DetectorTally {
    index_id: u64,
    config: MetricsConfig,
    delays_s: Vec<i64>,
    detections: Vec<CampaignDetection>,
    cohort_flags: Vec<u64>,
    flagged_events: u64,
    true_positives: u64,
    histogram: ScoreHistogram,
    actors: FlaggedActors,
    alarms: AlarmCounter,
    /// Scratch for the rows of a batch at or above the threshold.
    flagged_rows: Vec<u32>,
}

impl DetectorTally {
    /// A fresh tally for batches indexed by `labels`.
    pub fn new(labels: &LabelIndex, config: MetricsConfig) -> Self {
        let delays_s = config.normalized_delays_s();
        Self {
            index_id: labels.id,
            detections: vec![CampaignDetection::new(delays_s.len()); labels.campaigns.len()],
            cohort_flags: vec![0; labels.cohorts.len()],
            config,
            delays_s,
            flagged_events: 0,
            true_positives: 0,
            histogram: ScoreHistogram::default(),
            actors: FlaggedActors::default(),
            alarms: AlarmCounter::default(),
            flagged_rows: Vec::new(),
        }
    }

    /// Adds the scores of one indexed batch, one per row.
    ///
    /// Each kind of state (scores, actors, campaigns) takes the whole batch in its own
    /// loop, in event order; no state sees events in another order than one by one would.
    pub fn push(&mut self, batch: &IndexedBatch, scores: &[f64]) -> Result<(), MetricsError> {
        if batch.index_id != self.index_id {
            return Err(MetricsError::ForeignBatch);
        }
        if scores.len() != batch.len() {
            return Err(MetricsError::ColumnLengthMismatch {
                column: "score",
                expected: batch.len(),
                actual: scores.len(),
            });
        }
        let threshold = self.config.threshold;
        self.histogram.add_all(scores, &batch.is_attack);
        let flagged = flagged_rows(scores, threshold, &mut self.flagged_rows);
        let flagged = &self.flagged_rows[..flagged];
        let flagged_attacks = flagged
            .iter()
            .map(|&row| u64::from(batch.is_attack[row as usize]));
        self.flagged_events += flagged.len() as u64;
        self.true_positives += flagged_attacks.sum::<u64>();
        self.actors
            .on_flagged_rows(&mut self.alarms, batch, flagged, self.config.alarm_gap_us);
        self.observe_campaigns(batch, scores);
        Ok(())
    }

    fn observe_campaigns(&mut self, batch: &IndexedBatch, scores: &[f64]) {
        let threshold = self.config.threshold;
        for event in &batch.campaign_events {
            let flagged = scores[event.row as usize] >= threshold;
            match event.role {
                CampaignRole::Attack(slot) => {
                    self.detections[slot].observe(event, flagged, &self.delays_s)
                }
                CampaignRole::Cohort(slot) => self.cohort_flags[slot] += u64::from(flagged),
            }
        }
    }

    fn event_metrics(&self, labels: &LabelIndex, average_precision: f64) -> EventMetrics {
        let Confusion { tp, fp, fn_, tn } = self.confusion(labels);
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        EventMetrics {
            tp,
            fp,
            fn_,
            tn,
            precision,
            recall,
            f1: f1_score(precision, recall),
            average_precision,
        }
    }

    fn confusion(&self, labels: &LabelIndex) -> Confusion {
        let tp = self.true_positives;
        let fp = self.flagged_events - tp;
        let fn_ = labels.attack_events - tp;
        Confusion {
            tp,
            fp,
            fn_,
            tn: labels.events - labels.attack_events - fp,
        }
    }

    /// Closes open alarms and computes every metric; `labels` is the index the batches
    /// came from, after the last batch.
    pub fn finish(mut self, labels: &LabelIndex) -> DetectorMetrics {
        debug_assert_eq!(
            labels.id, self.index_id,
            "a tally finishes with its own index"
        );
        self.actors.close_open_alarms(&mut self.alarms);
        let actors = self.actors.tally(&labels.attackers);
        let counts = self.counts(labels, &actors);
        let ranking = std::mem::take(&mut self.histogram)
            .into_ranked()
            .metrics(PR_CURVE_MAX_POINTS);
        let (campaigns, exposure_curves): (Vec<_>, Vec<_>) = self
            .detections
            .iter()
            .zip(&labels.campaigns)
            .map(|(detection, totals)| detection.finish(totals, &self.delays_s))
            .unzip();
        let times_to_detect: Vec<f64> = campaigns
            .iter()
            .filter_map(|c| c.time_to_detect_s)
            .collect();
        let attack_campaigns = campaigns.len() as u64;
        let campaigns_detected = times_to_detect.len() as u64;
        DetectorMetrics {
            threshold: self.config.threshold,
            event: self.event_metrics(labels, ranking.average_precision),
            actor: actors.metrics(),
            campaign_recall: ratio(campaigns_detected, attack_campaigns),
            campaigns_detected,
            campaigns_undetected: attack_campaigns - campaigns_detected,
            median_time_to_detect_s: quantile_linear(&times_to_detect, 0.5),
            p90_time_to_detect_s: quantile_linear(&times_to_detect, 0.9),
            records_exposed_before_detection_total: campaigns
                .iter()
                .map(|c| c.records_exposed_before_detection)
                .sum(),
            alarms: self
                .alarms
                .metrics(self.config.span_days, counts.benign_events),
            campaigns,
            cohorts: labels
                .cohorts
                .iter()
                .zip(&self.cohort_flags)
                .map(|(totals, &flagged)| totals.finish(flagged))
                .collect(),
            counts,
            upper_bound: ranking.best_f1,
            pr_curve: ranking.pr_curve,
            exposure_curves,
            false_alarm_rows: self.alarms.false_alarm_rows(),
        }
    }

    /// The counts behind the ratios, once every alarm is closed.
    fn counts(&self, labels: &LabelIndex, actors: &ActorTally) -> Counts {
        let Confusion { tp, fp, fn_, tn } = self.confusion(labels);
        Counts {
            total_events: tp + fp + fn_ + tn,
            flagged_events: tp + fp,
            attack_events: tp + fn_,
            benign_events: fp + tn,
            actors: actors.actors,
            attacker_actors: actors.attackers,
            flagged_actors: actors.flagged,
            flagged_attacker_actors: actors.flagged_attackers,
            alarms: self.alarms.alarms(),
            true_alarms: self.alarms.true_alarms(),
            false_alarms: self.alarms.false_alarms(),
            out_of_order_events: labels.out_of_order_events,
            unknown_campaign_events: labels.unknown_campaign_events,
        }
    }
}

/// Writes the rows whose score reaches `threshold` to the front of `rows` and returns
/// how many there are. Every row is written and only a flagged one kept, so a detector
/// flagging at random costs no mispredicted branch; `rows` only ever grows, so it is
/// not cleared for each batch.
fn flagged_rows(scores: &[f64], threshold: f64, rows: &mut Vec<u32>) -> usize {
    if rows.len() < scores.len() {
        rows.resize(scores.len(), 0);
    }
    let mut kept = 0;
    for (row, &score) in scores.iter().enumerate() {
        rows[kept] = row as u32;
        kept += usize::from(score >= threshold);
    }
    kept
}

#[derive(Debug, Clone, Copy)]
struct Confusion {
    tp: u64,
    fp: u64,
    fn_: u64,
    tn: u64,
}
