//! The static table of built-in detectors, keyed by name (like vector's components):
//! adding a detector is one module and one line in [`builtin::ALL`](crate::builtin).

use crate::{Detector, DetectorError, ParamInfo, Params, builtin};

/// A registered detector: what the CLI lists and how to build it.
#[derive(Debug, Clone, Copy)]
pub struct DetectorInfo {
    pub name: &'static str,
    /// One line saying what it catches.
    pub description: &'static str,
    /// Every parameter with its default and meaning; `threshold` is always among them.
    pub params: &'static [ParamInfo],
    pub(crate) constructor: fn(Params) -> Result<Box<dyn Detector>, DetectorError>,
}

impl DetectorInfo {
    /// The parameters this detector runs with when nothing is overridden.
    pub fn defaults(&self) -> Params {
        Params::resolve(self.name, self.params, &Params::new()).unwrap_or_default()
    }

    /// Builds the detector from its defaults merged with `overrides`.
    pub fn build(&self, overrides: &Params) -> Result<Box<dyn Detector>, DetectorError> {
        let effective = Params::resolve(self.name, self.params, overrides)?;
        (self.constructor)(effective)
    }
}

/// Every built-in detector.
pub fn registry() -> &'static [DetectorInfo] {
    builtin::ALL
}

/// Builds the detector called `name` from its defaults merged with `overrides`.
pub fn build(name: &str, overrides: &Params) -> Result<Box<dyn Detector>, DetectorError> {
    let info = registry()
        .iter()
        .find(|info| info.name == name)
        .ok_or_else(|| DetectorError::UnknownDetector {
            name: name.to_string(),
            known: registry()
                .iter()
                .map(|info| info.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    info.build(overrides)
}

#[cfg(test)]
mod tests {
    use super::registry;
    use crate::Params;
    use breachlab_schema::Table;

    /// A detector declaring a misspelt column would fail on every dataset.
    #[test]
    fn every_column_a_builtin_declares_is_an_events_column() {
        for info in registry() {
            let detector = info.build(&Params::new()).expect("defaults build");
            let columns = detector.columns().unwrap_or_default();
            assert_eq!(
                Table::Events.missing_column(&columns),
                None,
                "{}",
                info.name
            );
        }
    }
}
