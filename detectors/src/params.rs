//! Detector parameters: a small typed key-value map.
//!
//! Overrides arrive loosely typed (a TOML table from a config file, `k=v` strings from a
//! command line) and are checked against the detector's declared [`ParamInfo`]s when the
//! detector is built, so that one place reports unknown names and wrong types. The
//! effective map (defaults merged with overrides) is ordered, so `report.json` lists
//! parameters in a stable order.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DetectorError;

/// One parameter value. Serialises to the plain JSON value (`true`, `600`, `0.5`, `"max"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl ParamValue {
    pub fn kind(&self) -> ParamKind {
        match self {
            ParamValue::Bool(_) => ParamKind::Bool,
            ParamValue::Int(_) => ParamKind::Int,
            ParamValue::Float(_) => ParamKind::Float,
            ParamValue::Str(_) => ParamKind::Str,
        }
    }

    /// Parses command-line text: `true`/`false`, then an integer, then a number, else a
    /// string (surrounding double quotes, if any, are removed).
    pub fn parse(text: &str) -> ParamValue {
        let text = text.trim();
        match text {
            "true" => return ParamValue::Bool(true),
            "false" => return ParamValue::Bool(false),
            _ => {}
        }
        if let Ok(int) = text.replace('_', "").parse::<i64>() {
            return ParamValue::Int(int);
        }
        if let Ok(float) = text.parse::<f64>() {
            return ParamValue::Float(float);
        }
        let unquoted = text
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or(text);
        ParamValue::Str(unquoted.to_string())
    }

    /// The value as the declared kind, if it is one (an integer is accepted as a number).
    fn coerce_to(&self, kind: ParamKind) -> Option<ParamValue> {
        match (self, kind) {
            (ParamValue::Int(int), ParamKind::Float) => Some(ParamValue::Float(*int as f64)),
            (value, kind) if value.kind() == kind => Some(value.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(value) => write!(f, "{value}"),
            ParamValue::Int(value) => write!(f, "{value}"),
            ParamValue::Float(value) => write!(f, "{value}"),
            ParamValue::Str(value) => write!(f, "{value:?}"),
        }
    }
}

impl From<bool> for ParamValue {
    fn from(value: bool) -> Self {
        ParamValue::Bool(value)
    }
}

impl From<i64> for ParamValue {
    fn from(value: i64) -> Self {
        ParamValue::Int(value)
    }
}

impl From<f64> for ParamValue {
    fn from(value: f64) -> Self {
        ParamValue::Float(value)
    }
}

impl From<&str> for ParamValue {
    fn from(value: &str) -> Self {
        ParamValue::Str(value.to_string())
    }
}

impl From<String> for ParamValue {
    fn from(value: String) -> Self {
        ParamValue::Str(value)
    }
}

/// The type a parameter is declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Bool,
    Int,
    Float,
    Str,
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamKind::Bool => "a boolean",
            ParamKind::Int => "an integer",
            ParamKind::Float => "a number",
            ParamKind::Str => "a string",
        })
    }
}

/// A default value that can live in a `static` registry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamDefault {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
}

impl ParamDefault {
    pub fn kind(self) -> ParamKind {
        self.value().kind()
    }

    pub fn value(self) -> ParamValue {
        match self {
            ParamDefault::Bool(value) => ParamValue::Bool(value),
            ParamDefault::Int(value) => ParamValue::Int(value),
            ParamDefault::Float(value) => ParamValue::Float(value),
            ParamDefault::Str(value) => ParamValue::Str(value.to_string()),
        }
    }
}

/// A declared parameter: its name, default (which fixes its type) and meaning.
#[derive(Debug, Clone, Copy)]
pub struct ParamInfo {
    pub name: &'static str,
    pub default: ParamDefault,
    pub meaning: &'static str,
}

impl ParamInfo {
    pub const fn int(name: &'static str, default: i64, meaning: &'static str) -> Self {
        let default = ParamDefault::Int(default);
        ParamInfo {
            name,
            default,
            meaning,
        }
    }

    pub const fn float(name: &'static str, default: f64, meaning: &'static str) -> Self {
        let default = ParamDefault::Float(default);
        ParamInfo {
            name,
            default,
            meaning,
        }
    }

    pub const fn string(name: &'static str, default: &'static str, meaning: &'static str) -> Self {
        let default = ParamDefault::Str(default);
        ParamInfo {
            name,
            default,
            meaning,
        }
    }

    /// The `threshold` parameter every detector declares.
    pub const fn threshold(default: f64, meaning: &'static str) -> Self {
        ParamInfo::float("threshold", default, meaning)
    }
}

/// An ordered name -> value map: overrides before a detector is built, the effective
/// parameters after.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, ParamValue>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    /// Overrides from a TOML table such as `[detectors.ip-rate]`; values must be
    /// booleans, integers, floats or strings.
    pub fn from_toml(table: &toml::Table) -> Result<Params, DetectorError> {
        let mut params = Params::new();
        for (name, value) in table {
            let value = match value {
                toml::Value::Boolean(value) => ParamValue::Bool(*value),
                toml::Value::Integer(value) => ParamValue::Int(*value),
                toml::Value::Float(value) => ParamValue::Float(*value),
                toml::Value::String(value) => ParamValue::Str(value.clone()),
                other => {
                    return Err(DetectorError::MalformedOverride {
                        input: format!("{name} = {other}"),
                        reason: "a parameter is a boolean, integer, float or string".into(),
                    });
                }
            };
            params.insert(name.clone(), value);
        }
        Ok(params)
    }

    /// Overrides from `k=v` strings, e.g. `["window_secs=30", "limit=100"]`; see
    /// [`ParamValue::parse`] for how values are typed. Later assignments win.
    pub fn from_assignments<I, S>(assignments: I) -> Result<Params, DetectorError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut params = Params::new();
        for assignment in assignments {
            let (name, value) = Params::parse_assignment(assignment.as_ref())?;
            params.insert(name, value);
        }
        Ok(params)
    }

    /// Splits one `k=v` string into a name and a typed value.
    pub fn parse_assignment(assignment: &str) -> Result<(String, ParamValue), DetectorError> {
        let malformed = |reason: &str| DetectorError::MalformedOverride {
            input: assignment.to_string(),
            reason: reason.to_string(),
        };
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| malformed("expected `name=value`"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(malformed("the parameter name is empty"));
        }
        Ok((name.to_string(), ParamValue::parse(value)))
    }

    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<ParamValue>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Defaults of `declared` merged with `overrides`, each override checked for a known
    /// name and the declared type.
    pub(crate) fn resolve(
        detector: &str,
        declared: &[ParamInfo],
        overrides: &Params,
    ) -> Result<Params, DetectorError> {
        let mut effective = Params(
            declared
                .iter()
                .map(|info| (info.name.to_string(), info.default.value()))
                .collect(),
        );
        for (name, value) in overrides.iter() {
            let info = declared
                .iter()
                .find(|info| info.name == name)
                .ok_or_else(|| DetectorError::UnknownParam {
                    detector: detector.to_string(),
                    param: name.to_string(),
                    allowed: declared
                        .iter()
                        .map(|info| info.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let expected = info.default.kind();
            let value = value
                .coerce_to(expected)
                .ok_or_else(|| DetectorError::WrongParamType {
                    detector: detector.to_string(),
                    param: name.to_string(),
                    expected: expected.to_string(),
                    found: format!("{} {value}", value.kind()),
                })?;
            effective.insert(name, value);
        }
        Ok(effective)
    }
}

/// Typed, range-checked reads of effective parameters, for detector constructors.
pub(crate) struct ParamReader<'a> {
    detector: &'static str,
    params: &'a Params,
}

impl<'a> ParamReader<'a> {
    pub fn new(detector: &'static str, params: &'a Params) -> Self {
        ParamReader { detector, params }
    }

    pub(crate) fn invalid(
        &self,
        param: &str,
        allowed: &str,
        found: impl fmt::Display,
    ) -> DetectorError {
        DetectorError::InvalidParam {
            detector: self.detector.to_string(),
            param: param.to_string(),
            allowed: allowed.to_string(),
            found: found.to_string(),
        }
    }

    fn value(&self, param: &str, kind: ParamKind) -> Result<&'a ParamValue, DetectorError> {
        match self.params.get(param) {
            Some(value) if value.kind() == kind => Ok(value),
            Some(value) => Err(DetectorError::WrongParamType {
                detector: self.detector.to_string(),
                param: param.to_string(),
                expected: kind.to_string(),
                found: value.to_string(),
            }),
            None => Err(self.invalid(param, "must be set", "nothing")),
        }
    }

    pub fn float(&self, param: &str) -> Result<f64, DetectorError> {
        match self.value(param, ParamKind::Float)? {
            ParamValue::Float(value) if value.is_finite() => Ok(*value),
            other => Err(self.invalid(param, "must be a finite number", other)),
        }
    }

    pub fn int(&self, param: &str) -> Result<i64, DetectorError> {
        match self.value(param, ParamKind::Int)? {
            ParamValue::Int(value) => Ok(*value),
            other => Err(self.invalid(param, "must be an integer", other)),
        }
    }

    pub fn string(&self, param: &str) -> Result<&'a str, DetectorError> {
        match self.value(param, ParamKind::Str)? {
            ParamValue::Str(value) => Ok(value),
            other => Err(self.invalid(param, "must be a string", other)),
        }
    }

    pub fn positive_float(&self, param: &str) -> Result<f64, DetectorError> {
        let value = self.float(param)?;
        if value > 0.0 {
            Ok(value)
        } else {
            Err(self.invalid(param, "must be > 0", value))
        }
    }

    pub fn non_negative_float(&self, param: &str) -> Result<f64, DetectorError> {
        let value = self.float(param)?;
        if value >= 0.0 {
            Ok(value)
        } else {
            Err(self.invalid(param, "must be >= 0", value))
        }
    }

    /// A smoothing factor or share, in `(0, 1]`.
    pub fn fraction(&self, param: &str) -> Result<f64, DetectorError> {
        let value = self.float(param)?;
        if value > 0.0 && value <= 1.0 {
            Ok(value)
        } else {
            Err(self.invalid(param, "must be in (0, 1]", value))
        }
    }

    pub fn int_in(&self, param: &str, min: i64, max: i64) -> Result<i64, DetectorError> {
        let value = self.int(param)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(self.invalid(param, &format!("must be in {min}..={max}"), value))
        }
    }

    /// A duration given in seconds, returned in microseconds (the unit of `ts`).
    pub fn duration_micros(&self, param: &str) -> Result<i64, DetectorError> {
        const MAX_SECS: i64 = 10 * 365 * 86_400;
        Ok(self.int_in(param, 1, MAX_SECS)? * 1_000_000)
    }

    pub fn choice(&self, param: &str, allowed: &[&str]) -> Result<&'a str, DetectorError> {
        let value = self.string(param)?;
        if allowed.contains(&value) {
            Ok(value)
        } else {
            let allowed = format!("must be one of {}", allowed.join(", "));
            Err(self.invalid(param, &allowed, format!("{value:?}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: &[ParamInfo] = &[
        ParamInfo::threshold(1.0, "flag level"),
        ParamInfo::int("window_secs", 60, "window"),
        ParamInfo::string("mode", "max", "how"),
    ];

    #[test]
    fn assignments_are_typed_by_their_text() {
        let params =
            Params::from_assignments(["a=true", "b=600", "c=0.5", "d=max", "e=\"7\""]).unwrap();
        assert_eq!(params.get("a"), Some(&ParamValue::Bool(true)));
        assert_eq!(params.get("b"), Some(&ParamValue::Int(600)));
        assert_eq!(params.get("c"), Some(&ParamValue::Float(0.5)));
        assert_eq!(params.get("d"), Some(&ParamValue::Str("max".into())));
        assert_eq!(params.get("e"), Some(&ParamValue::Str("7".into())));
    }

    #[test]
    fn an_assignment_without_equals_sign_is_rejected() {
        let error = Params::from_assignments(["window_secs"]).unwrap_err();
        assert!(error.to_string().contains("window_secs"), "{error}");
    }

    #[test]
    fn toml_arrays_are_rejected() {
        let table: toml::Table = toml::from_str("limits = [1, 2]").unwrap();
        let error = Params::from_toml(&table).unwrap_err();
        assert!(error.to_string().contains("limits"), "{error}");
    }

    #[test]
    fn resolve_merges_defaults_and_widens_integers_to_numbers() {
        let overrides = Params::from_assignments(["threshold=2"]).unwrap();
        let effective = Params::resolve("demo", DECLARED, &overrides).unwrap();
        assert_eq!(effective.get("threshold"), Some(&ParamValue::Float(2.0)));
        assert_eq!(effective.get("window_secs"), Some(&ParamValue::Int(60)));
        assert_eq!(effective.len(), 3);
    }

    #[test]
    fn resolve_rejects_a_float_for_an_integer() {
        let overrides = Params::from_assignments(["window_secs=1.5"]).unwrap();
        let error = Params::resolve("demo", DECLARED, &overrides).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("demo") && message.contains("window_secs"));
        assert!(message.contains("an integer"), "{message}");
    }

    #[test]
    fn effective_params_serialise_as_a_plain_json_object() {
        let effective = Params::resolve("demo", DECLARED, &Params::new()).unwrap();
        let json = serde_json::to_string(&effective).unwrap();
        assert_eq!(json, r#"{"mode":"max","threshold":1.0,"window_secs":60}"#);
    }
}
