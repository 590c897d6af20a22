//! The detector-independent half of the metrics, computed once per pass for every
//! detector.
//!
//! Everything the labels alone decide (which campaign or cohort an event belongs to,
//! which actor it comes from, how many events and records a campaign had before it,
//! whether time went backwards) is worked out once per batch by a [`LabelIndex`] into an
//! [`IndexedBatch`]: actors become dense indexes assigned on first sight, campaigns slot
//! numbers. Each detector's [`DetectorTally`](super::DetectorTally) then only does what
//! depends on its scores, with plain vector indexing instead of map lookups.

use super::campaigns::{CampaignEvent, CampaignRole, CampaignTotals};
use super::cohorts::CohortTotals;
use super::{CampaignInfo, MetricsError};
use breachlab_keys::SlotTable;
use breachlab_schema::truth as t;
use foldhash::fast::FixedState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The labels of one batch, column by column.
#[derive(Debug, Clone, Copy)]
pub struct LabelColumns<'a> {
    pub ts_us: &'a [i64],
    pub is_attack: &'a [bool],
    pub campaign_id: &'a [Option<i32>],
    pub actor_id: &'a [i64],
    pub records_exposed: &'a [i32],
}

impl LabelColumns<'_> {
    /// The common length of the columns, or an error naming the first column that differs.
    pub fn checked_len(&self) -> Result<usize, MetricsError> {
        let expected = self.ts_us.len();
        let others = [
            (t::IS_ATTACK, self.is_attack.len()),
            (t::CAMPAIGN_ID, self.campaign_id.len()),
            (t::ACTOR_ID, self.actor_id.len()),
            (t::RECORDS_EXPOSED, self.records_exposed.len()),
        ];
        match others.iter().find(|(_, len)| *len != expected) {
            Some(&(column, actual)) => Err(MetricsError::ColumnLengthMismatch {
                column,
                expected,
                actual,
            }),
            None => Ok(expected),
        }
    }
}

/// One batch as every detector's tally reads it.
#[derive(Debug, Clone, Default)]
pub struct IndexedBatch {
    pub(crate) index_id: u64,
    pub(crate) is_attack: Vec<bool>,
    pub(crate) ts_us: Vec<i64>,
    /// The row number (from 0, over the whole stream) of this batch's first row.
    pub(crate) first_row: u64,
    /// Dense actor index of each row.
    pub(crate) actor: Vec<u32>,
    /// Distinct actors seen up to and including this batch: every index is below it.
    pub(crate) actors: usize,
    pub(crate) campaign_events: Vec<CampaignEvent>,
}

impl IndexedBatch {
    pub fn len(&self) -> usize {
        self.actor.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actor.is_empty()
    }
}

static NEXT_INDEX_ID: AtomicU64 = AtomicU64::new(1);

/// The label state shared by all detectors of one pass: feed it every batch in order
/// with [`index`](Self::index), and hand each resulting [`IndexedBatch`] to every tally.
#[derive(Debug, Clone)]
pub struct LabelIndex {
    pub(crate) id: u64,
    roles: HashMap<i32, CampaignRole, FixedState>,
    pub(crate) campaigns: Vec<CampaignTotals>,
    pub(crate) cohorts: Vec<CohortTotals>,
    /// The dense index of each actor id (its bits as the key), assigned on first sight.
    actor_slots: SlotTable,
    /// Per dense actor index: whether any of its events is an attack.
    pub(crate) attackers: Vec<bool>,
    pub(crate) events: u64,
    pub(crate) attack_events: u64,
    last_ts_us: Option<i64>,
    pub(crate) out_of_order_events: u64,
    pub(crate) unknown_campaign_events: u64,
}

impl LabelIndex {
    /// An index of `campaigns`. When two campaigns share an id, the first one wins.
    pub fn new(campaigns: &[CampaignInfo]) -> Self {
        let mut roles = HashMap::default();
        let mut attack_campaigns = Vec::new();
        let mut cohorts = Vec::new();
        for campaign in campaigns {
            if roles.contains_key(&campaign.campaign_id) {
                continue;
            }
            let role = if campaign.is_attack {
                attack_campaigns.push(CampaignTotals::new(campaign.clone()));
                CampaignRole::Attack(attack_campaigns.len() - 1)
            } else {
                cohorts.push(CohortTotals::new(campaign.clone()));
                CampaignRole::Cohort(cohorts.len() - 1)
            };
            roles.insert(campaign.campaign_id, role);
        }
        Self {
            id: NEXT_INDEX_ID.fetch_add(1, Ordering::Relaxed),
            roles,
            campaigns: attack_campaigns,
            cohorts,
            actor_slots: SlotTable::default(),
            attackers: Vec::new(),
            events: 0,
            attack_events: 0,
            last_ts_us: None,
            out_of_order_events: 0,
            unknown_campaign_events: 0,
        }
    }

    /// Indexes the next batch (batches must follow each other in time) into `out`,
    /// reusing its buffers. On mismatched column lengths nothing of the batch is taken.
    pub fn index(
        &mut self,
        labels: &LabelColumns<'_>,
        out: &mut IndexedBatch,
    ) -> Result<(), MetricsError> {
        let len = labels.checked_len()?;
        if u32::try_from(len).is_err() {
            return Err(MetricsError::BatchTooLarge { rows: len });
        }
        out.index_id = self.id;
        out.first_row = self.events;
        out.is_attack.clear();
        out.is_attack.extend_from_slice(labels.is_attack);
        out.ts_us.clear();
        out.ts_us.extend_from_slice(labels.ts_us);
        self.observe_order(labels);
        self.index_actors(labels, &mut out.actor);
        out.actors = self.attackers.len();
        self.index_campaigns(labels, &mut out.campaign_events);
        Ok(())
    }

    fn observe_order(&mut self, labels: &LabelColumns<'_>) {
        for &ts_us in labels.ts_us {
            if self.last_ts_us.is_some_and(|last| ts_us < last) {
                self.out_of_order_events += 1;
            }
            self.last_ts_us = Some(self.last_ts_us.map_or(ts_us, |l| l.max(ts_us)));
        }
        self.events += labels.ts_us.len() as u64;
        self.attack_events += labels.is_attack.iter().filter(|&&a| a).count() as u64;
    }

    fn index_actors(&mut self, labels: &LabelColumns<'_>, out: &mut Vec<u32>) {
        out.clear();
        let ids = labels.actor_id;
        for (row, (&actor_id, &is_attack)) in ids.iter().zip(labels.is_attack).enumerate() {
            if let Some(&ahead) = ids.get(row + PREFETCH_ROWS) {
                self.actor_slots.prefetch(ahead as u64);
            }
            let next = self.attackers.len() as u32;
            let slot = self.actor_slots.get_or_insert(actor_id as u64, next);
            if slot == next {
                self.attackers.push(false);
            }
            self.attackers[slot as usize] |= is_attack;
            out.push(slot);
        }
    }

    fn index_campaigns(&mut self, labels: &LabelColumns<'_>, out: &mut Vec<CampaignEvent>) {
        out.clear();
        out.reserve(labels.campaign_id.iter().filter(|id| id.is_some()).count());
        for (row, campaign_id) in labels.campaign_id.iter().enumerate() {
            let Some(campaign_id) = campaign_id else {
                continue;
            };
            let Some(&role) = self.roles.get(campaign_id) else {
                self.unknown_campaign_events += 1;
                continue;
            };
            let ts_us = labels.ts_us[row];
            let records = labels.records_exposed[row];
            let (events_before, records_before) = match role {
                CampaignRole::Attack(slot) => self.campaigns[slot].observe(ts_us, records),
                CampaignRole::Cohort(slot) => {
                    self.cohorts[slot].observe();
                    (0, 0)
                }
            };
            out.push(CampaignEvent {
                row: row as u32,
                role,
                ts_us,
                records,
                events_before,
                records_before,
            });
        }
    }

    /// Distinct actors seen so far.
    pub fn actors(&self) -> usize {
        self.attackers.len()
    }
}

/// How many rows ahead the actor lookups fetch their table entry: the table of a large
/// population does not fit in cache, and a lookup waiting on memory is most of its cost.
const PREFETCH_ROWS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn index_ids(index: &mut LabelIndex, ids: &[i64], attacks: &[bool]) -> Vec<u32> {
        let ts_us: Vec<i64> = (0..ids.len() as i64).collect();
        let columns = LabelColumns {
            ts_us: &ts_us,
            is_attack: attacks,
            campaign_id: &vec![None; ids.len()],
            actor_id: ids,
            records_exposed: &vec![0; ids.len()],
        };
        let mut out = IndexedBatch::default();
        index.index(&columns, &mut out).unwrap();
        out.actor
    }

    #[test]
    fn actors_get_dense_indexes_in_order_of_first_sight_across_batches() {
        // Edge ids (0 is the key the slot table keeps beside its entries), then enough
        // sparse ids to make the table grow several times, each seen twice.
        let mut ids = vec![0, -1, i64::MIN, i64::MAX, 0, 1, -1];
        ids.extend((0..5000).map(|i| 9_000_000_000_000 + 1024 * i));
        ids.extend((0..5000).rev().map(|i| 9_000_000_000_000 + 1024 * i));
        let attacks: Vec<bool> = (0..ids.len()).map(|row| row % 7 == 3).collect();
        let mut expected_slot = HashMap::new();
        let mut expected_attackers = Vec::new();
        let expected: Vec<u32> = ids
            .iter()
            .zip(&attacks)
            .map(|(id, &attack)| {
                let fresh = expected_slot.len() as u32;
                let slot = *expected_slot.entry(*id).or_insert(fresh);
                if slot == fresh {
                    expected_attackers.push(false);
                }
                expected_attackers[slot as usize] |= attack;
                slot
            })
            .collect();

        let mut index = LabelIndex::new(&[]);
        let split = ids.len() / 3;
        let mut got = index_ids(&mut index, &ids[..split], &attacks[..split]);
        got.extend(index_ids(&mut index, &ids[split..], &attacks[split..]));
        assert_eq!(got, expected);
        // 0, -1, MIN, MAX and 1, then 5000 sparse ids.
        assert_eq!(index.actors(), 5005);
        assert_eq!(index.attackers, expected_attackers);
        assert_eq!(got[0], got[4], "actor 0 keeps its index");
        assert_ne!(got[0], got[5], "actors 0 and 1 differ");
    }
}
