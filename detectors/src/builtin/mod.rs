//! The built-in detectors, one module each.

mod actor;
pub mod calibrated;
mod calibration;
mod combined;
mod decay;
mod distinct_objects;
mod distinct_ring;
mod error_jail;
mod evidence;
mod fanout;
mod ip_rate;
mod long_distinct;
mod not_found_ratio;
mod null;
mod population;
mod principal_rate;
mod random;
mod route_baseline;
mod route_volume;
mod sequential;
mod token_bucket;

use crate::DetectorInfo;

pub(crate) static ALL: &[DetectorInfo] = &[
    null::INFO,
    random::INFO,
    ip_rate::INFO,
    principal_rate::INFO,
    fanout::INFO,
    sequential::INFO,
    not_found_ratio::INFO,
    route_volume::INFO,
    combined::INFO,
    error_jail::INFO,
    token_bucket::INFO,
    distinct_objects::INFO,
    evidence::INFO,
    long_distinct::INFO,
    route_baseline::INFO,
    population::INFO,
];
