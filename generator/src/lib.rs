//! placeholder
pub mod population;
