//! The traffic a defended run replays: the events as `generate` wrote them (in time
//! order), the labels the run needs to split them into benign requests and attack
//! campaigns and to count records, and the campaigns table.
//!
//! The labels are read to decide who is an agent and what a served request exposes;
//! the detector never sees them.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use breachlab_dataset::Dataset;
use breachlab_schema::{Table, campaigns as c, events_schema, truth as t};

use crate::DefendError;

/// What the truth says of each event, by row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    pub is_attack: Vec<bool>,
    pub campaign_id: Vec<Option<i32>>,
    pub actor_id: Vec<i64>,
    pub records_exposed: Vec<i32>,
}

/// One row of the campaigns table.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub id: i32,
    pub name: String,
    /// `true` for an attack campaign (an agent), `false` for a benign look-alike cohort.
    pub is_attack: bool,
}

/// Events, their labels and the campaigns, in time order.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Every event, in the `events` schema, as one batch.
    pub events: RecordBatch,
    pub labels: Labels,
    pub campaigns: Vec<CampaignInfo>,
    /// The dataset's span: requests an agent would send at or after `end_us` are not sent.
    pub start_us: i64,
    pub end_us: i64,
}

impl Traffic {
    /// Checks that the parts agree: the labels have a value per event, events are in
    /// time order, the events batch has the `events` schema's columns and types.
    pub fn new(
        events: RecordBatch,
        labels: Labels,
        campaigns: Vec<CampaignInfo>,
        start_us: i64,
        end_us: i64,
    ) -> Result<Traffic, DefendError> {
        let rows = events.num_rows();
        let lengths = [
            labels.is_attack.len(),
            labels.campaign_id.len(),
            labels.actor_id.len(),
            labels.records_exposed.len(),
        ];
        if lengths.iter().any(|&n| n != rows) {
            return Err(DefendError::Traffic(format!(
                "{rows} events but label columns of {lengths:?} rows"
            )));
        }
        check_schema(events.schema().as_ref())?;
        let traffic = Traffic {
            events,
            labels,
            campaigns,
            start_us,
            end_us,
        };
        let ts = traffic.timestamps();
        if let Some(row) = (1..ts.len()).find(|&i| ts[i] < ts[i - 1]) {
            return Err(DefendError::Traffic(format!(
                "events are not in time order at row {row}"
            )));
        }
        Ok(traffic)
    }

    /// Reads a generated dataset whole (events, truth, campaigns).
    pub fn from_dataset(dataset: &Dataset) -> Result<Traffic, DefendError> {
        let events = read_table(dataset, Table::Events.name(), Arc::new(events_schema()))?;
        let truth_batches: Vec<RecordBatch> = dataset
            .batches(Table::Truth.name(), &[], 1 << 16)
            .collect::<Result<_, _>>()?;
        let labels = read_labels(dataset, &truth_batches)?;
        let campaigns = read_campaigns(dataset)?;
        let span = &dataset.manifest.time_span;
        Traffic::new(events, labels, campaigns, span.start_us, span.end_us)
    }

    pub fn rows(&self) -> usize {
        self.events.num_rows()
    }

    pub fn timestamps(&self) -> &[i64] {
        self.events
            .column(1)
            .as_primitive::<TimestampMicrosecondType>()
            .values()
    }

    /// The campaign of `id`, if it is an attack campaign: its index in `campaigns`.
    pub fn attack_campaign(&self, id: i32) -> Option<usize> {
        self.campaigns
            .iter()
            .position(|campaign| campaign.id == id && campaign.is_attack)
    }
}

fn check_schema(schema: &Schema) -> Result<(), DefendError> {
    let expected = events_schema();
    for (index, field) in expected.fields().iter().enumerate() {
        let matches = schema
            .fields()
            .get(index)
            .is_some_and(|got| got.name() == field.name() && got.data_type() == field.data_type());
        if !matches {
            return Err(DefendError::Traffic(format!(
                "events column {index} must be `{}` of type {}",
                field.name(),
                field.data_type()
            )));
        }
    }
    Ok(())
}

fn read_table(
    dataset: &Dataset,
    table: &'static str,
    schema: Arc<Schema>,
) -> Result<RecordBatch, DefendError> {
    let batches: Vec<RecordBatch> = dataset
        .batches(table, &[], 1 << 16)
        .collect::<Result<_, _>>()?;
    let batches = batches
        .into_iter()
        .map(|batch| {
            RecordBatch::try_new(schema.clone(), batch.columns().to_vec()).map_err(|error| {
                table_error(dataset, table, format!("not the {table} schema: {error}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(arrow_select::concat::concat_batches(&schema, &batches)?)
}

fn table_error(dataset: &Dataset, table: &'static str, message: String) -> DefendError {
    DefendError::Table {
        path: dataset.root.join(table),
        table,
        message,
    }
}

fn column<'a>(
    dataset: &Dataset,
    batch: &'a RecordBatch,
    table: &'static str,
    name: &str,
    data_type: &DataType,
) -> Result<&'a dyn Array, DefendError> {
    let array = batch
        .column_by_name(name)
        .ok_or_else(|| table_error(dataset, table, format!("has no column `{name}`")))?;
    if array.data_type() != data_type {
        return Err(table_error(
            dataset,
            table,
            format!(
                "column `{name}` is {} (expected {data_type})",
                array.data_type()
            ),
        ));
    }
    Ok(array.as_ref())
}

fn read_labels(dataset: &Dataset, batches: &[RecordBatch]) -> Result<Labels, DefendError> {
    let mut labels = Labels::default();
    let table = "truth";
    for batch in batches {
        let attack = column(dataset, batch, table, t::IS_ATTACK, &DataType::Boolean)?;
        let campaign = column(dataset, batch, table, t::CAMPAIGN_ID, &DataType::Int32)?;
        let actor = column(dataset, batch, table, t::ACTOR_ID, &DataType::Int64)?;
        let records = column(dataset, batch, table, t::RECORDS_EXPOSED, &DataType::Int32)?;
        labels
            .is_attack
            .extend(attack.as_boolean().iter().map(|v| v.unwrap_or(false)));
        labels
            .campaign_id
            .extend(campaign.as_primitive::<Int32Type>().iter());
        labels
            .actor_id
            .extend_from_slice(actor.as_primitive::<Int64Type>().values());
        labels
            .records_exposed
            .extend_from_slice(records.as_primitive::<Int32Type>().values());
    }
    Ok(labels)
}

fn read_campaigns(dataset: &Dataset) -> Result<Vec<CampaignInfo>, DefendError> {
    let mut campaigns = Vec::new();
    let table = "campaigns";
    for batch in dataset.campaigns()? {
        let ids = column(dataset, &batch, table, c::CAMPAIGN_ID, &DataType::Int32)?
            .as_primitive::<Int32Type>();
        let names = column(dataset, &batch, table, c::NAME, &DataType::Utf8)?.as_string::<i32>();
        let kinds = column(dataset, &batch, table, c::KIND, &DataType::Utf8)?.as_string::<i32>();
        for row in 0..batch.num_rows() {
            campaigns.push(CampaignInfo {
                id: ids.value(row),
                name: names.value(row).to_string(),
                is_attack: kinds.value(row) == "attack",
            });
        }
    }
    Ok(campaigns)
}

/// Reads a dataset at `root` (a convenience for callers holding a path).
pub fn read_traffic(root: &Path) -> Result<Traffic, DefendError> {
    Traffic::from_dataset(&Dataset::open(root)?)
}
