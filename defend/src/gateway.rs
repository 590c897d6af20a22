//! The closed loop. Benign requests arrive as generated; each attack campaign is an
//! [`Agent`]; the gateway takes requests in time order (ties: benign first, then
//! agents by campaign, each in its own order), refuses a request when one of its keys
//! is blocked, and hands every request it received (refused ones with their status) to
//! the detector.
//!
//! The detector scores the requests of each enforcement window (`window_us`, a second
//! by default) together, in order, and an alert blocks from the end of that window:
//! an alert takes at most one window to reach the gateway, and the scores never
//! depend on how many requests a window holds (detectors never look ahead). A refused
//! request exposes nothing; a served one exposes the records its planned request
//! exposes in the open-loop dataset.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{
    Array, ArrayRef, Float32Array, Int16Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, UInt32Array,
};
use breachlab_detectors::{Detector, EventBatch};

use crate::DefendError;
use crate::agent::{Agent, AgentTally, PlannedIdentity, Send};
use crate::enforce::{BlockList, Identity, KeyKind};
use crate::input::Traffic;
use crate::policy::Policy;

/// How alerts become refusals.
#[derive(Debug, Clone, PartialEq)]
pub struct Enforcement {
    /// The keys an alert blocks.
    pub keys: Vec<KeyKind>,
    /// How long a block lasts; `None`: until the end.
    pub block_for_us: Option<i64>,
    /// The status of a refused request (403 or 429).
    pub refuse_status: i16,
    /// The enforcement window: an alert blocks from the end of the window it fell in.
    pub window_us: i64,
}

impl Enforcement {
    pub fn check(&self) -> Result<(), DefendError> {
        if !matches!(self.refuse_status, 403 | 429) {
            return Err(DefendError::Enforcement {
                setting: "refuse_status",
                value: self.refuse_status.to_string(),
                reason: "a gateway refuses with 403 or 429",
            });
        }
        if self.window_us < 1 {
            return Err(DefendError::Enforcement {
                setting: "window",
                value: self.window_us.to_string(),
                reason: "the enforcement window must be at least a microsecond",
            });
        }
        if self.block_for_us.is_some_and(|b| b < 1) {
            return Err(DefendError::Enforcement {
                setting: "block_for",
                value: format!("{:?}", self.block_for_us),
                reason: "a block must last at least a microsecond",
            });
        }
        if self.keys.is_empty() {
            return Err(DefendError::Enforcement {
                setting: "keys",
                value: "none".into(),
                reason: "an alert must block some key",
            });
        }
        Ok(())
    }
}

/// One request as the gateway received it.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayEvent {
    /// The generated event it was planned as.
    pub row: u32,
    pub ts_us: i64,
    pub address: String,
    pub principal: Option<i64>,
    pub session: Option<i64>,
    pub refused: bool,
    /// Records it exposed (0 when refused or benign).
    pub records: i64,
    /// The attack campaign (index into the traffic's campaigns) that sent it.
    pub agent: Option<usize>,
}

/// One attack campaign's run.
#[derive(Debug, Clone)]
pub struct CampaignRun {
    pub campaign: usize,
    pub policy: Policy,
    pub planned_requests: u64,
    pub planned_records: i64,
    pub planned_start_us: i64,
    pub planned_end_us: i64,
    /// Distinct addresses, principals and sessions of the plan.
    pub planned_identities: [u64; 3],
    pub unsent: u64,
    pub records_exposed: i64,
    pub tally: AgentTally,
    /// Served requests that exposed records: (time, records).
    pub exposures: Vec<(i64, i64)>,
    /// The planned requests that expose records, open loop: (time, records).
    pub planned_exposures: Vec<(i64, i64)>,
}

/// Benign requests of one source (the customers, or a look-alike cohort).
#[derive(Debug, Clone, Default)]
pub struct BenignTally {
    pub requests: u64,
    pub refused: u64,
    pub entities: HashSet<i64>,
    pub locked_out: HashSet<i64>,
}

/// What a closed-loop run did.
#[derive(Debug, Clone)]
pub struct LoopOutcome {
    pub events: Vec<GatewayEvent>,
    pub campaigns: Vec<CampaignRun>,
    pub benign: BTreeMap<String, BenignTally>,
    pub alerts: u64,
    pub alerts_on_attack_requests: u64,
    pub keys_blocked: usize,
}

/// The detector, its threshold, the enforcement and the attackers' policies.
pub struct LoopSetup<'a> {
    pub detector: &'a mut dyn Detector,
    pub threshold: f64,
    pub enforcement: &'a Enforcement,
    /// The policy of each campaign, by its index in the traffic's campaigns (a cohort's
    /// entry is not used).
    pub policies: Vec<Policy>,
    pub seed: u64,
}

/// Where the next request comes from: benign row, or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    Benign(u32),
    Agent(usize),
}

pub fn run_loop(traffic: &Traffic, setup: LoopSetup<'_>) -> Result<LoopOutcome, DefendError> {
    let LoopSetup {
        detector,
        threshold,
        enforcement,
        policies,
        seed,
    } = setup;
    enforcement.check()?;
    if policies.len() != traffic.campaigns.len() {
        return Err(DefendError::Traffic(format!(
            "{} policies for {} campaigns",
            policies.len(),
            traffic.campaigns.len()
        )));
    }
    let columns = Columns::of(traffic);
    let (mut agents, agent_campaigns, benign_rows) =
        plan_agents(traffic, &columns, &policies, seed);
    let mut state = LoopState::new(traffic, &agents, &agent_campaigns);
    let mut queue: BinaryHeap<Reverse<(i64, usize)>> = agents
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.next().map(|s| Reverse((s.ts_us, i))))
        .collect();
    let ts = traffic.timestamps();
    let mut benign = benign_rows.into_iter().peekable();
    let window = enforcement.window_us;
    let mut window_end = traffic.start_us + window;
    let mut pending: usize = 0;
    let mut scorer = Scorer::new(detector, threshold);
    loop {
        let next_benign = benign
            .peek()
            .map(|&row| (ts[row as usize], Origin::Benign(row)));
        let next_agent = queue.peek().map(|Reverse((t, i))| (*t, Origin::Agent(*i)));
        let Some((at, origin)) = [next_benign, next_agent].into_iter().flatten().min() else {
            break;
        };
        if at >= window_end {
            scorer.score_window(
                traffic,
                &columns,
                &mut state,
                pending,
                enforcement,
                window_end,
            )?;
            pending = state.events.len();
            window_end = traffic.start_us + ((at - traffic.start_us) / window + 1) * window;
            continue;
        }
        match origin {
            Origin::Benign(row) => {
                benign.next();
                state.benign_request(traffic, &columns, row, enforcement);
            }
            Origin::Agent(index) => {
                queue.pop();
                let agent = &mut agents[index];
                let send = agent.next().expect("a queued agent has a request");
                state.agent_request(traffic, &columns, index, agent, &send, enforcement);
                if let Some(next) = agent.next().filter(|s| s.ts_us < traffic.end_us) {
                    queue.push(Reverse((next.ts_us, index)));
                }
            }
        }
    }
    scorer.score_window(
        traffic,
        &columns,
        &mut state,
        pending,
        enforcement,
        window_end,
    )?;
    scorer
        .detector
        .finish()
        .map_err(|e| detector_error(&*scorer.detector, e.to_string()))?;
    Ok(state.finish(traffic, &columns, agents, agent_campaigns, &scorer))
}

fn detector_error(detector: &dyn Detector, message: String) -> DefendError {
    DefendError::Detector {
        name: detector.name().to_string(),
        message,
    }
}

/// The columns the loop reads, by row.
struct Columns<'a> {
    address: &'a StringArray,
    api_key: &'a StringArray,
    principal: &'a Int64Array,
    session: &'a Int64Array,
}

impl<'a> Columns<'a> {
    fn of(traffic: &'a Traffic) -> Self {
        let e = &traffic.events;
        Columns {
            address: e.column(2).as_string::<i32>(),
            api_key: e.column(8).as_string::<i32>(),
            principal: e.column(9).as_primitive::<Int64Type>(),
            session: e.column(10).as_primitive::<Int64Type>(),
        }
    }

    fn planned_identity(&self, row: usize) -> PlannedIdentity {
        PlannedIdentity {
            address: self.address.value(row).to_string(),
            principal: self
                .principal
                .is_valid(row)
                .then(|| self.principal.value(row)),
            session: self.session.is_valid(row).then(|| self.session.value(row)),
        }
    }

    fn api_key(&self, row: usize) -> Option<&'a str> {
        self.api_key.is_valid(row).then(|| self.api_key.value(row))
    }
}

/// An attack campaign (its index in the campaigns) and the rows it planned, in order.
type Plan = (usize, Vec<u32>);

/// One agent per attack campaign with events; the rows of everything else.
fn plan_agents(
    traffic: &Traffic,
    columns: &Columns<'_>,
    policies: &[Policy],
    seed: u64,
) -> (Vec<Agent>, Vec<Plan>, Vec<u32>) {
    let labels = &traffic.labels;
    let ts = traffic.timestamps();
    // Every attack campaign has an agent, one without events too (it reports zeros).
    let mut plans: BTreeMap<usize, Vec<u32>> = (0..traffic.campaigns.len())
        .filter(|&i| traffic.campaigns[i].is_attack)
        .map(|i| (i, Vec::new()))
        .collect();
    let mut benign = Vec::new();
    for row in 0..traffic.rows() {
        let campaign = labels.campaign_id[row]
            .filter(|_| labels.is_attack[row])
            .and_then(|id| traffic.attack_campaign(id));
        match campaign {
            Some(index) => plans.entry(index).or_default().push(row as u32),
            None => benign.push(row as u32),
        }
    }
    let mut agents = Vec::new();
    let mut agent_campaigns = Vec::new();
    for (campaign, rows) in plans {
        let planned_ts = rows.iter().map(|&r| ts[r as usize]).collect();
        let ids = rows
            .iter()
            .map(|&r| columns.planned_identity(r as usize))
            .collect();
        let id = traffic.campaigns[campaign].id;
        agents.push(Agent::new(planned_ts, ids, policies[campaign], seed, id));
        agent_campaigns.push((campaign, rows));
    }
    (agents, agent_campaigns, benign)
}

struct LoopState {
    events: Vec<GatewayEvent>,
    blocks: BlockList,
    benign: BTreeMap<String, BenignTally>,
    source_names: BTreeMap<i32, String>,
    exposures: Vec<Vec<(i64, i64)>>,
    plan_rows: Vec<Vec<u32>>,
}

impl LoopState {
    fn new(traffic: &Traffic, agents: &[Agent], plans: &[Plan]) -> Self {
        let source_names = traffic
            .campaigns
            .iter()
            .filter(|c| !c.is_attack)
            .map(|c| (c.id, c.name.clone()))
            .collect();
        LoopState {
            events: Vec::new(),
            blocks: BlockList::default(),
            benign: BTreeMap::new(),
            source_names,
            exposures: vec![Vec::new(); agents.len()],
            plan_rows: plans.iter().map(|(_, rows)| rows.clone()).collect(),
        }
    }

    fn benign_request(
        &mut self,
        traffic: &Traffic,
        columns: &Columns<'_>,
        row: u32,
        enforcement: &Enforcement,
    ) {
        let r = row as usize;
        let planned = columns.planned_identity(r);
        let ts_us = traffic.timestamps()[r];
        let refused = self.refuses(enforcement, columns.api_key(r), &planned, ts_us);
        let source = traffic.labels.campaign_id[r]
            .and_then(|id| self.source_names.get(&id).cloned())
            .unwrap_or_else(|| "customers".to_string());
        let actor = traffic.labels.actor_id[r];
        let tally = self.benign.entry(source).or_default();
        tally.requests += 1;
        tally.entities.insert(actor);
        if refused {
            tally.refused += 1;
            tally.locked_out.insert(actor);
        }
        self.events.push(GatewayEvent {
            row,
            ts_us,
            address: planned.address,
            principal: planned.principal,
            session: planned.session,
            refused,
            records: 0,
            agent: None,
        });
    }

    fn agent_request(
        &mut self,
        traffic: &Traffic,
        columns: &Columns<'_>,
        index: usize,
        agent: &mut Agent,
        send: &Send,
        enforcement: &Enforcement,
    ) {
        let row = self.plan_rows[index][send.step];
        let r = row as usize;
        let refused = self.refuses(enforcement, columns.api_key(r), &send.identity, send.ts_us);
        let records = if refused {
            0
        } else {
            i64::from(traffic.labels.records_exposed[r])
        };
        if records > 0 {
            self.exposures[index].push((send.ts_us, records));
        }
        agent.answer(send, refused);
        self.events.push(GatewayEvent {
            row,
            ts_us: send.ts_us,
            address: send.identity.address.clone(),
            principal: send.identity.principal,
            session: send.identity.session,
            refused,
            records,
            agent: Some(index),
        });
    }

    fn refuses(
        &self,
        enforcement: &Enforcement,
        api_key: Option<&str>,
        id: &PlannedIdentity,
        ts_us: i64,
    ) -> bool {
        let identity = Identity {
            address: &id.address,
            api_key,
            principal: id.principal,
            session: id.session,
        };
        self.blocks.refuses(&enforcement.keys, &identity, ts_us)
    }

    fn finish(
        self,
        traffic: &Traffic,
        columns: &Columns<'_>,
        agents: Vec<Agent>,
        plans: Vec<Plan>,
        scorer: &Scorer<'_>,
    ) -> LoopOutcome {
        let ts = traffic.timestamps();
        let records = &traffic.labels.records_exposed;
        let campaigns = agents
            .into_iter()
            .zip(plans)
            .zip(self.exposures)
            .map(|((agent, (campaign, rows)), exposures)| {
                let planned_exposures: Vec<(i64, i64)> = rows
                    .iter()
                    .map(|&r| (ts[r as usize], i64::from(records[r as usize])))
                    .filter(|&(_, n)| n != 0)
                    .collect();
                CampaignRun {
                    campaign,
                    policy: agent.policy(),
                    planned_requests: rows.len() as u64,
                    planned_records: planned_exposures.iter().map(|(_, n)| n).sum(),
                    planned_start_us: rows.first().map_or(0, |&r| ts[r as usize]),
                    planned_end_us: rows.last().map_or(0, |&r| ts[r as usize]),
                    planned_identities: distinct_identities(columns, &rows),
                    unsent: agent.unsent() as u64,
                    records_exposed: exposures.iter().map(|(_, n)| n).sum(),
                    tally: agent.tally,
                    exposures,
                    planned_exposures,
                }
            })
            .collect();
        LoopOutcome {
            events: self.events,
            campaigns,
            benign: self.benign,
            alerts: scorer.alerts,
            alerts_on_attack_requests: scorer.alerts_on_attack,
            keys_blocked: self.blocks.len(),
        }
    }
}

fn distinct_identities(columns: &Columns<'_>, rows: &[u32]) -> [u64; 3] {
    let mut addresses = HashSet::new();
    let mut principals = HashSet::new();
    let mut sessions = HashSet::new();
    for &row in rows {
        let id = columns.planned_identity(row as usize);
        addresses.insert(id.address);
        principals.extend(id.principal);
        sessions.extend(id.session);
    }
    [
        addresses.len() as u64,
        principals.len() as u64,
        sessions.len() as u64,
    ]
}

/// The detector, fed window by window.
struct Scorer<'a> {
    detector: &'a mut dyn Detector,
    threshold: f64,
    scores: Vec<f64>,
    next_event_id: i64,
    alerts: u64,
    alerts_on_attack: u64,
}

impl<'a> Scorer<'a> {
    fn new(detector: &'a mut dyn Detector, threshold: f64) -> Self {
        Scorer {
            detector,
            threshold,
            scores: Vec::new(),
            next_event_id: 1,
            alerts: 0,
            alerts_on_attack: 0,
        }
    }

    /// Scores the requests received since `first`, and blocks what the alerts name
    /// from `window_end`.
    fn score_window(
        &mut self,
        traffic: &Traffic,
        columns: &Columns<'_>,
        state: &mut LoopState,
        first: usize,
        enforcement: &Enforcement,
        window_end: i64,
    ) -> Result<(), DefendError> {
        let window = &state.events[first..];
        if window.is_empty() {
            return Ok(());
        }
        let batch = gateway_batch(
            traffic,
            window,
            self.next_event_id,
            enforcement.refuse_status,
        )?;
        self.next_event_id += window.len() as i64;
        self.scores.clear();
        self.detector
            .score(&EventBatch::new(&batch), &mut self.scores)
            .map_err(|e| detector_error(&*self.detector, e.to_string()))?;
        if self.scores.len() != window.len() {
            return Err(DefendError::ScoreCount {
                name: self.detector.name().to_string(),
                got: self.scores.len(),
                rows: window.len(),
            });
        }
        let until = enforcement
            .block_for_us
            .map_or(i64::MAX, |b| window_end.saturating_add(b));
        for (event, &score) in window.iter().zip(&self.scores) {
            if score < self.threshold || score.is_nan() {
                continue;
            }
            self.alerts += 1;
            if event.agent.is_some() {
                self.alerts_on_attack += 1;
            }
            let identity = Identity {
                address: &event.address,
                api_key: columns.api_key(event.row as usize),
                principal: event.principal,
                session: event.session,
            };
            for kind in &enforcement.keys {
                if let Some(key) = kind.key_of(&identity) {
                    state.blocks.block(key, until);
                }
            }
        }
        Ok(())
    }
}

/// The gateway's requests as an `events` batch: the generated rows with the time,
/// identity and answer the gateway saw, numbered from `first_id`.
pub fn gateway_batch(
    traffic: &Traffic,
    window: &[GatewayEvent],
    first_id: i64,
    refuse_status: i16,
) -> Result<RecordBatch, DefendError> {
    let rows = UInt32Array::from_iter_values(window.iter().map(|e| e.row));
    let mut columns: Vec<ArrayRef> = traffic
        .events
        .columns()
        .iter()
        .map(|column| arrow_select::take::take(column.as_ref(), &rows, None))
        .collect::<Result<_, _>>()?;
    let n = window.len() as i64;
    columns[0] = Arc::new(Int64Array::from_iter_values(first_id..first_id + n));
    columns[1] = Arc::new(
        TimestampMicrosecondArray::from_iter_values(window.iter().map(|e| e.ts_us))
            .with_timezone("UTC"),
    );
    columns[2] = Arc::new(StringArray::from_iter_values(
        window.iter().map(|e| e.address.as_str()),
    ));
    columns[9] = Arc::new(Int64Array::from_iter(window.iter().map(|e| e.principal)));
    columns[10] = Arc::new(Int64Array::from_iter(window.iter().map(|e| e.session)));
    let refused = |i: usize| window[i].refused;
    let status = columns[15].as_primitive::<arrow_array::types::Int16Type>();
    columns[15] = Arc::new(Int16Array::from_iter_values((0..window.len()).map(|i| {
        if refused(i) {
            refuse_status
        } else {
            status.value(i)
        }
    })));
    let latency = columns[16].as_primitive::<arrow_array::types::Float32Type>();
    columns[16] = Arc::new(Float32Array::from_iter_values(
        (0..window.len()).map(|i| if refused(i) { 1.0 } else { latency.value(i) }),
    ));
    for index in [17, 18] {
        let values = columns[index].as_primitive::<arrow_array::types::Int32Type>();
        columns[index] = Arc::new(Int32Array::from_iter_values(
            (0..window.len()).map(|i| if refused(i) { 0 } else { values.value(i) }),
        ));
    }
    Ok(RecordBatch::try_new(traffic.events.schema(), columns)?)
}
