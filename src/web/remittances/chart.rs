//! A corridor's cost over time as an SVG line chart drawn by the server: one line for the
//! corridor, dashed lines for the targets (SDG 10.c), axes labelled in the reader's language
//! and digits, and the time axis running right to left where the language does (the drawing
//! itself is laid out left to right, so that `text-anchor` means the same in every language). An image
//! named by its title and described in words (`role="img"`, `aria-labelledby`); the page puts
//! the same figures in a table beside it.

use crate::domain::text::escape_html as escape;
use std::fmt::Write;

/// What the chart shows, every text already in the reader's language.
pub struct Chart<'a> {
    /// Its name (the `<title>`), and a sentence saying what it shows (`<desc>`).
    pub title: &'a str,
    pub description: &'a str,
    /// `(label, value)` oldest first: a quarter's name and the cost in percent.
    pub points: &'a [(String, f64)],
    /// The labels of the time axis: `(index of the point, label)`.
    pub ticks: &'a [(usize, String)],
    /// Horizontal lines: `(value, label)`.
    pub lines: &'a [(f64, String)],
    /// A value as the axis writes it (`4 %`, `٤٪`).
    pub format: &'a dyn Fn(f64) -> String,
    /// Right to left: the oldest point on the right.
    pub rtl: bool,
}

// Small enough that its text (18 units) stays readable when a phone shows it 320 pixels wide.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 300.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;
/// The side where the values are written.
const AXIS: f64 = 64.0;
const FAR: f64 = 12.0;

/// The step between the value axis's labels for a range of `span` percent.
fn step(span: f64) -> f64 {
    match span {
        span if span <= 8.0 => 1.0,
        span if span <= 16.0 => 2.0,
        span if span <= 40.0 => 5.0,
        _ => 10.0,
    }
}

impl Chart<'_> {
    /// The SVG, with `id` naming its title and description.
    pub fn svg(&self, id: &str) -> String {
        let values = self
            .points
            .iter()
            .map(|(_, value)| *value)
            .chain(self.lines.iter().map(|(value, _)| *value));
        let (low, high) = values.fold((0.0_f64, 0.0_f64), |(low, high), value| {
            (low.min(value), high.max(value))
        });
        let step = step(high - low);
        let low = (low / step).floor() * step;
        let high = ((high * 1.1) / step).ceil() * step;
        let span = (high - low).max(step);
        let plot_left = if self.rtl { FAR } else { AXIS };
        let plot_right = if self.rtl { WIDTH - AXIS } else { WIDTH - FAR };
        let y = |value: f64| TOP + (high - value) / span * (HEIGHT - TOP - BOTTOM);
        let count = self.points.len().max(2) - 1;
        let x = |index: usize| {
            let share = index as f64 / count as f64;
            if self.rtl {
                plot_right - share * (plot_right - plot_left)
            } else {
                plot_left + share * (plot_right - plot_left)
            }
        };
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" direction=\"ltr\" \
             aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(self.title),
            escape(self.description)
        );
        // Texts run in the language's direction (so that `٥٪` and a sentence keep their
        // order); an anchor that puts a text's left edge at `x` is then its start from left to
        // right and its end from right to left.
        let direction = if self.rtl { "rtl" } else { "ltr" };
        let (left_edge, right_edge) = if self.rtl {
            ("end", "start")
        } else {
            ("start", "end")
        };
        // The value axis: a grid line and a label at each step.
        let (label_x, anchor) = if self.rtl {
            (WIDTH - AXIS + 8.0, left_edge)
        } else {
            (AXIS - 8.0, right_edge)
        };
        let mut value = low;
        while value <= high + 1e-9 {
            let at = y(value);
            let _ = write!(
                svg,
                "<line class=\"grid\" x1=\"{plot_left:.1}\" x2=\"{plot_right:.1}\" y1=\"{at:.1}\" \
                 y2=\"{at:.1}\"/><text class=\"tick\" x=\"{label_x:.1}\" y=\"{:.1}\" \
                 text-anchor=\"{anchor}\" direction=\"{direction}\">{}</text>",
                at + 6.0,
                escape(&(self.format)(value))
            );
            value += step;
        }
        // The time axis's labels.
        for (index, label) in self.ticks {
            let _ = write!(
                svg,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" \
                 direction=\"{direction}\">{}</text>",
                x(*index),
                HEIGHT - BOTTOM + 26.0,
                escape(label)
            );
        }
        // The targets, dashed, named at the end where time goes.
        let (name_x, name_anchor) = if self.rtl {
            (plot_left + 4.0, left_edge)
        } else {
            (plot_right - 4.0, right_edge)
        };
        for (value, label) in self.lines {
            let at = y(*value);
            let _ = write!(
                svg,
                "<line class=\"target\" x1=\"{plot_left:.1}\" x2=\"{plot_right:.1}\" \
                 y1=\"{at:.1}\" y2=\"{at:.1}\"/><text class=\"target-label\" x=\"{name_x:.1}\" \
                 y=\"{:.1}\" text-anchor=\"{name_anchor}\" direction=\"{direction}\">{}</text>",
                at - 5.0,
                escape(label)
            );
        }
        // The corridor: a line through its points, each named for a pointer's tooltip.
        if !self.points.is_empty() {
            let path: Vec<String> = self
                .points
                .iter()
                .enumerate()
                .map(|(index, (_, value))| format!("{:.1},{:.1}", x(index), y(*value)))
                .collect();
            let _ = write!(
                svg,
                "<polyline class=\"series\" points=\"{}\"/>",
                path.join(" ")
            );
            for (index, (label, value)) in self.points.iter().enumerate() {
                let _ = write!(
                    svg,
                    "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}: {}</title></circle>",
                    x(index),
                    y(*value),
                    escape(label),
                    escape(&(self.format)(*value))
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(rtl: bool) -> String {
        let points = vec![
            ("Q1 2019".to_string(), 8.0),
            ("Q2 2019".to_string(), 6.0),
            ("Q3 2019".to_string(), 4.5),
        ];
        let ticks = vec![(0, "2019".to_string())];
        let lines = vec![(3.0, "SDG: 3 %".to_string()), (5.0, "5 %".to_string())];
        Chart {
            title: "Cost <over> time",
            description: "From 8 % to 4.5 %",
            points: &points,
            ticks: &ticks,
            lines: &lines,
            format: &|value| format!("{value} %"),
            rtl,
        }
        .svg("c")
    }

    #[test]
    fn the_chart_is_named_escaped_and_mirrored_right_to_left() {
        let ltr = chart(false);
        assert!(ltr.starts_with("<svg") && ltr.ends_with("</svg>"));
        assert!(ltr.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(ltr.contains("Cost &lt;over&gt; time"));
        assert!(ltr.contains("SDG: 3 %") && ltr.contains("Q2 2019: 6 %"));
        // The oldest point is on the left, and on the right from right to left.
        let first_x = |svg: &str| -> f64 {
            let points = svg.split("points=\"").nth(1).expect("points");
            points
                .split(',')
                .next()
                .expect("x")
                .parse()
                .expect("number")
        };
        assert!(first_x(&ltr) < 100.0);
        let rtl = chart(true);
        assert!(first_x(&rtl) > 500.0);
        // From right to left, texts run right to left and the value labels' left edge is at
        // the axis: their end.
        assert!(
            rtl.contains("text-anchor=\"end\" direction=\"rtl\""),
            "{rtl}"
        );
        assert!(
            ltr.contains("text-anchor=\"end\" direction=\"ltr\""),
            "{ltr}"
        );
        // The axis reaches 0 and above the highest value, by steps of 1.
        assert!(ltr.contains(">0 %<") && ltr.contains(">9 %<"), "{ltr}");
    }
}
