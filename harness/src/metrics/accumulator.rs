//! The streaming accumulator: push scored batches in time order, then finish.
//!
//! State is one entry per campaign, per actor and per distinct score; a batch split never
//! changes the result, because every per-event update depends only on earlier events.

use super::actors::ActorTable;
use super::alarms::AlarmCounter;
use super::campaigns::{CampaignTracker, quantile_linear};
use super::cohorts::CohortTracker;
use super::ranking::{PR_CURVE_MAX_POINTS, RankedScores, ScoreHistogram};
use super::{
    CampaignInfo, DetectorMetrics, EventMetrics, MetricsConfig, MetricsError, ScoredColumns,
    f1_score, ratio,
};
use foldhash::fast::FixedState;
use std::collections::HashMap;

/// Where a campaign id leads.
#[derive(Debug, Clone, Copy)]
enum CampaignRole {
    Attack(usize),
    Cohort(usize),
}

#[derive(Debug, Clone, Copy, Default)]
struct Confusion {
    tp: u64,
    fp: u64,
    fn_: u64,
    tn: u64,
}

impl Confusion {
    fn add(&mut self, flagged: bool, is_attack: bool) {
        match (flagged, is_attack) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
}

/// One event, as the accumulator sees it.
struct Event {
    ts_us: i64,
    flagged: bool,
    is_attack: bool,
    campaign_id: Option<i32>,
    actor_id: i64,
    records_exposed: i32,
}

/// Accumulates every metric of one detector at one threshold over a stream of events.
#[derive(Debug, Clone)]
pub struct MetricsAccumulator {
    config: MetricsConfig,
    delays_s: Vec<i64>,
    roles: HashMap<i32, CampaignRole, FixedState>,
    attack_campaigns: Vec<CampaignTracker>,
    cohorts: Vec<CohortTracker>,
    confusion: Confusion,
    histogram: ScoreHistogram,
    actors: ActorTable,
    alarms: AlarmCounter,
    last_ts_us: Option<i64>,
    out_of_order_events: u64,
    unknown_campaign_events: u64,
}

impl MetricsAccumulator {
    /// A fresh accumulator. When two campaigns share an id, the first one wins.
    pub fn new(campaigns: &[CampaignInfo], config: MetricsConfig) -> Self {
        let delays_s = config.normalized_delays_s();
        let mut roles = HashMap::default();
        let mut attack_campaigns = Vec::new();
        let mut cohorts = Vec::new();
        for campaign in campaigns {
            if roles.contains_key(&campaign.campaign_id) {
                continue;
            }
            let role = if campaign.is_attack {
                attack_campaigns.push(CampaignTracker::new(campaign.clone(), delays_s.len()));
                CampaignRole::Attack(attack_campaigns.len() - 1)
            } else {
                cohorts.push(CohortTracker::new(campaign.clone()));
                CampaignRole::Cohort(cohorts.len() - 1)
            };
            roles.insert(campaign.campaign_id, role);
        }
        Self {
            config,
            delays_s,
            roles,
            attack_campaigns,
            cohorts,
            confusion: Confusion::default(),
            histogram: ScoreHistogram::default(),
            actors: ActorTable::default(),
            alarms: AlarmCounter::default(),
            last_ts_us: None,
            out_of_order_events: 0,
            unknown_campaign_events: 0,
        }
    }

    /// Adds one batch. Batches must follow each other in time; on mismatched column
    /// lengths nothing of the batch is taken.
    ///
    /// Each kind of state (scores, actors, campaigns) takes the whole batch in its own
    /// loop, in event order: the loops' map lookups are independent, so their cache
    /// misses overlap, and no state sees events in another order than one by one would.
    pub fn push(&mut self, columns: &ScoredColumns<'_>) -> Result<(), MetricsError> {
        let len = columns.checked_len()?;
        let events: Vec<Event> = (0..len).map(|row| self.event(columns, row)).collect();
        for (&score, &is_attack) in columns.score.iter().zip(columns.is_attack) {
            self.histogram.add(score, is_attack);
        }
        for event in &events {
            self.observe_order_and_confusion(event);
        }
        for event in &events {
            self.observe_actor(event);
        }
        for event in &events {
            if let Some(campaign_id) = event.campaign_id {
                self.observe_campaign(campaign_id, event);
            }
        }
        Ok(())
    }

    fn event(&self, columns: &ScoredColumns<'_>, row: usize) -> Event {
        Event {
            ts_us: columns.ts_us[row],
            flagged: columns.score[row] >= self.config.threshold,
            is_attack: columns.is_attack[row],
            campaign_id: columns.campaign_id[row],
            actor_id: columns.actor_id[row],
            records_exposed: columns.records_exposed[row],
        }
    }

    fn observe_order_and_confusion(&mut self, event: &Event) {
        if self.last_ts_us.is_some_and(|last| event.ts_us < last) {
            self.out_of_order_events += 1;
        }
        self.last_ts_us = Some(self.last_ts_us.map_or(event.ts_us, |l| l.max(event.ts_us)));
        self.confusion.add(event.flagged, event.is_attack);
    }

    fn observe_actor(&mut self, event: &Event) {
        let state = self.actors.state_mut(event.actor_id);
        state.is_attacker |= event.is_attack;
        state.is_flagged |= event.flagged;
        if event.flagged {
            let gap_us = self.config.alarm_gap_us;
            self.alarms
                .on_flagged(&mut state.open_alarm, event.ts_us, event.is_attack, gap_us);
        }
    }

    fn observe_campaign(&mut self, campaign_id: i32, event: &Event) {
        match self.roles.get(&campaign_id) {
            Some(CampaignRole::Attack(index)) => self.attack_campaigns[*index].observe(
                event.ts_us,
                event.flagged,
                event.records_exposed,
                &self.delays_s,
            ),
            Some(CampaignRole::Cohort(index)) => self.cohorts[*index].observe(event.flagged),
            None => self.unknown_campaign_events += 1,
        }
    }

    fn event_metrics(&self, ranked: &RankedScores) -> EventMetrics {
        let Confusion { tp, fp, fn_, tn } = self.confusion;
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
            average_precision: ranked.average_precision(),
        }
    }

    /// Closes open alarms and computes every metric.
    pub fn finish(mut self) -> DetectorMetrics {
        for alarm in self.actors.drain_open_alarms() {
            self.alarms.close(alarm);
        }
        let Confusion { tp, fp, fn_, tn } = self.confusion;
        let benign_events = fp + tn;
        let ranked = self.histogram.ranked();
        let (campaigns, exposure_curves): (Vec<_>, Vec<_>) = self
            .attack_campaigns
            .iter()
            .map(|tracker| tracker.finish(&self.delays_s))
            .unzip();
        let times_to_detect: Vec<f64> = campaigns
            .iter()
            .filter_map(|c| c.time_to_detect_s)
            .collect();
        let attack_campaigns = campaigns.len() as u64;
        let campaigns_detected = times_to_detect.len() as u64;
        DetectorMetrics {
            threshold: self.config.threshold,
            total_events: tp + fp + fn_ + tn,
            flagged_events: tp + fp,
            attack_events: tp + fn_,
            benign_events,
            event: self.event_metrics(&ranked),
            pr_curve: ranked.pr_curve(PR_CURVE_MAX_POINTS),
            upper_bound: ranked.best_f1(),
            actor: self.actors.metrics(),
            alarms: self.alarms.finish(self.config.span_days, benign_events),
            attack_campaigns,
            campaigns_detected,
            campaigns_undetected: attack_campaigns - campaigns_detected,
            campaign_recall: ratio(campaigns_detected, attack_campaigns),
            median_time_to_detect_s: quantile_linear(&times_to_detect, 0.5),
            p90_time_to_detect_s: quantile_linear(&times_to_detect, 0.9),
            campaigns,
            cohorts: self.cohorts.iter().map(CohortTracker::finish).collect(),
            exposure_curves,
            containment_delays_s: self.delays_s,
            out_of_order_events: self.out_of_order_events,
            unknown_campaign_events: self.unknown_campaign_events,
        }
    }
}
