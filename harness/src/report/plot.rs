//! A tiny hand-rolled SVG plotting kit: a frame mapping data to pixels, axes with ticks,
//! lines and markers. Enough for the report's three plots without any library or script.

use super::format::escape_html;
use std::fmt::Write;

/// Colours for detectors: Kelly's colours of maximum contrast (Kelly 1965, as listed by
/// Green-Armytage 2010) without white, so every built-in and a few external detectors each
/// get their own colour on white; the last ones, dark, go to the campaigns.
pub(crate) const PALETTE: [&str; 21] = [
    "#222222", "#f38400", "#875692", "#0067a5", "#be0032", "#008856", "#c2b280", "#848482",
    "#e68fac", "#a1caf1", "#f99379", "#604e97", "#f6a600", "#b3446c", "#dcd300", "#f3c300",
    "#8db600", "#e25822", "#654522", "#2b3d26", "#882d17",
];

pub(crate) fn colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineStyle {
    Solid,
    Faded,
}

/// A data range; a degenerate or non-finite one is widened so it can be drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Range {
    pub(crate) fn new(min: f64, max: f64) -> Self {
        let (min, max) = if min.is_finite() && max.is_finite() {
            (min, max)
        } else {
            (0.0, 1.0)
        };
        if max > min {
            Self { min, max }
        } else {
            Self {
                min: min - 0.5,
                max: min + 0.5,
            }
        }
    }

    fn share(&self, value: f64) -> f64 {
        ((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
    }
}

/// The drawing area of one plot: pixel size, margins and the data ranges on each axis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) left: f64,
    pub(crate) right: f64,
    pub(crate) top: f64,
    pub(crate) bottom: f64,
    pub(crate) x: Range,
    pub(crate) y: Range,
}

impl Frame {
    pub(crate) fn px(&self, value: f64) -> f64 {
        self.left + self.x.share(value) * (self.width - self.left - self.right)
    }

    pub(crate) fn py(&self, value: f64) -> f64 {
        self.height - self.bottom - self.y.share(value) * (self.height - self.top - self.bottom)
    }

    /// The opening `<svg>` tag with an accessible title, and the plot border.
    pub(crate) fn open(&self, title: &str) -> String {
        format!(
            "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">\
             <title>{t}</title>\
             <rect x=\"{l}\" y=\"{top}\" width=\"{iw:.1}\" height=\"{ih:.1}\" fill=\"none\" stroke=\"#999\"/>",
            w = self.width,
            h = self.height,
            t = escape_html(title),
            l = self.left,
            top = self.top,
            iw = self.width - self.left - self.right,
            ih = self.height - self.top - self.bottom,
        )
    }

    /// Tick marks and labels below the plot.
    pub(crate) fn x_axis(&self, ticks: &[(f64, String)], label: &str) -> String {
        let base = self.height - self.bottom;
        let mut out = String::new();
        for (value, text) in ticks {
            let x = self.px(*value);
            let _ = write!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                base + 4.0,
                base + 16.0,
                escape_html(text)
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis-label\">{}</text>",
            (self.left + self.width - self.right) / 2.0,
            self.height - 4.0,
            escape_html(label)
        );
        out
    }

    /// Tick marks, labels and light grid lines left of the plot.
    pub(crate) fn y_axis(&self, ticks: &[(f64, String)], label: &str) -> String {
        let mut out = String::new();
        for (value, text) in ticks {
            let y = self.py(*value);
            let _ = write!(
                out,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                self.left,
                self.width - self.right,
                self.left - 4.0,
                y + 4.0,
                escape_html(text)
            );
        }
        let _ = write!(
            out,
            "<text x=\"12\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis-label\" \
             transform=\"rotate(-90 12 {:.1})\">{}</text>",
            self.height / 2.0,
            self.height / 2.0,
            escape_html(label)
        );
        out
    }

    /// A line through data points, solid or (for `LineStyle::Faded`) thin and dashed, with
    /// extra attributes (already escaped, leading space included).
    pub(crate) fn polyline_with(
        &self,
        points: &[(f64, f64)],
        stroke: &str,
        style: LineStyle,
        attributes: &str,
    ) -> String {
        let coordinates: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", self.px(*x), self.py(*y)))
            .collect();
        let look = match style {
            LineStyle::Solid => "stroke-width=\"2\"",
            LineStyle::Faded => "stroke-width=\"1.5\" stroke-dasharray=\"4 3\"",
        };
        format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" {look}{attributes}/>",
            coordinates.join(" ")
        )
    }

    /// A filled circle at a data point with a hover tooltip.
    pub(crate) fn marker(&self, x: f64, y: f64, fill: &str, tooltip: &str) -> String {
        marker_at(self.px(x), self.py(y), fill, tooltip, "")
    }
}

/// A filled circle at a pixel position with a hover tooltip and extra attributes (already
/// escaped, leading space included).
pub(crate) fn marker_at(x: f64, y: f64, fill: &str, tooltip: &str, attributes: &str) -> String {
    format!(
        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"1\"{attributes}>\
         <title>{}</title></circle>",
        escape_html(tooltip)
    )
}

/// About `count` round tick values covering `range`.
pub(crate) fn nice_ticks(range: Range, count: usize) -> Vec<f64> {
    let span = range.max - range.min;
    if !(span.is_finite() && span > 0.0) || count == 0 {
        return vec![range.min];
    }
    let raw_step = span / count as f64;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|candidate| *candidate >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let first = (range.min / step).ceil() as i64;
    let last = (range.max / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Legend entries (colour swatch and name) laid out in a row at the top of a plot.
const LEGEND_ROW: f64 = 18.0;

/// Where each legend entry goes: left to right, wrapping to a new row before `right_edge`.
fn legend_positions(names: &[String], left: f64, right_edge: f64) -> Vec<(f64, f64)> {
    let (mut x, mut y) = (left, 6.0);
    names
        .iter()
        .map(|name| {
            let width = 16.0 + 8.0 * name.chars().count().min(40) as f64 + 20.0;
            if x > left && x + width > right_edge {
                x = left;
                y += LEGEND_ROW;
            }
            let at = (x, y);
            x += width;
            at
        })
        .collect()
}

/// Height the legend takes at the top of a plot, margin included.
pub(crate) fn legend_height(names: &[String], left: f64, right_edge: f64) -> f64 {
    let last_row = legend_positions(names, left, right_edge)
        .last()
        .map_or(6.0, |p| p.1);
    last_row + LEGEND_ROW + 6.0
}

pub(crate) fn legend(names: &[String], left: f64, right_edge: f64) -> String {
    let mut out = String::new();
    for (index, (name, (x, y))) in names
        .iter()
        .zip(legend_positions(names, left, right_edge))
        .enumerate()
    {
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            colour(index),
            x + 16.0,
            y + 10.0,
            escape_html(name)
        );
    }
    out
}

#[cfg(test)]
mod palette_tests {
    use super::PALETTE;

    #[test]
    fn every_builtin_and_a_few_external_detectors_get_their_own_colour() {
        let mut colours: Vec<String> = PALETTE.iter().map(|c| c.to_lowercase()).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(
            colours.len(),
            PALETTE.len(),
            "a colour repeats: {PALETTE:?}"
        );
        let builtins = breachlab_detectors::registry().len();
        assert!(
            PALETTE.len() >= builtins + 4,
            "{builtins} built-ins need at least {} colours, the palette has {}",
            builtins + 4,
            PALETTE.len()
        );
    }
}
