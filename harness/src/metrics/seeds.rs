//! Summaries across seeds: a mean and its 95% confidence interval, so a difference
//! between detectors can be told apart from seed-to-seed noise.

use serde::{Deserialize, Serialize};

/// Two-sided 97.5% quantiles of Student's t for 1..=29 degrees of freedom.
const T_975: [f64; 29] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_6,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
];

/// The normal 97.5% quantile, used above 30 samples.
const Z_975: f64 = 1.959_963_985;

/// Mean of a metric over seeds, with a 95% interval when there are at least two seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanInterval {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); `None` for one sample.
    pub std_dev: Option<f64>,
    /// `q * s / sqrt(n)`, before clipping; `None` for one sample.
    pub half_width: Option<f64>,
    /// `mean - half_width` and `mean + half_width`, clipped to the bounds the quantity
    /// can take (see [`mean_with_interval_within`]); `None` for one sample.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// Mean and 95% interval `mean ± q * s / sqrt(n)`, with `q` Student's t quantile at
/// n - 1 degrees of freedom for n <= 30 and the normal quantile above. Non-finite values
/// are ignored; `None` when no finite value is left.
pub fn mean_with_interval(values: &[f64]) -> Option<MeanInterval> {
    mean_with_interval_within(values, f64::NEG_INFINITY, f64::INFINITY)
}

/// [`mean_with_interval`] for a quantity that lies in `lower..=upper` (0..=1 for a ratio,
/// 0.. for a count, a rate or a duration): the interval's ends are clipped to those
/// bounds, so it never claims a value the quantity cannot take.
pub fn mean_with_interval_within(values: &[f64], lower: f64, upper: f64) -> Option<MeanInterval> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = finite.len();
    if n == 0 {
        return None;
    }
    let mean = finite.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(MeanInterval {
            n,
            mean,
            std_dev: None,
            half_width: None,
            low: None,
            high: None,
        });
    }
    let squared_deviations: f64 = finite.iter().map(|v| (v - mean) * (v - mean)).sum();
    let std_dev = (squared_deviations / (n - 1) as f64).sqrt();
    let quantile = T_975.get(n - 2).copied().unwrap_or(Z_975);
    let half_width = quantile * std_dev / (n as f64).sqrt();
    Some(MeanInterval {
        n,
        mean,
        std_dev: Some(std_dev),
        half_width: Some(half_width),
        low: Some((mean - half_width).clamp(lower, upper)),
        high: Some((mean + half_width).clamp(lower, upper)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_stay_within_the_bounds_of_the_quantity() {
        // A count with one large outlier: the t-interval's lower end is far below zero.
        let counts = [0.0, 0.0, 0.0, 12_350.0];
        let open = mean_with_interval(&counts).unwrap();
        assert!(open.low.unwrap() < 0.0);
        let clipped = mean_with_interval_within(&counts, 0.0, f64::INFINITY).unwrap();
        assert_eq!(clipped.low, Some(0.0));
        assert_eq!(clipped.high, open.high);
        assert_eq!(clipped.mean, open.mean);
        let ratios = [0.99, 1.0, 0.2];
        let ratio = mean_with_interval_within(&ratios, 0.0, 1.0).unwrap();
        assert_eq!(ratio.high, Some(1.0));
        assert_eq!(ratio.low, Some(0.0));
        let tight = mean_with_interval_within(&[0.5, 0.6], 0.0, 1.0).unwrap();
        assert_eq!((tight.low, tight.high), (Some(0.0), Some(1.0)));
        let narrow = mean_with_interval_within(&[0.50, 0.52, 0.51, 0.49], 0.0, 1.0).unwrap();
        assert!(narrow.low.unwrap() > 0.45 && narrow.high.unwrap() < 0.56);
    }
}
