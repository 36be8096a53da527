//! Counts as an SVG bar chart drawn by the server: one row per objective or category, two bars
//! in each (ours and the network's), the counts written at their ends, a legend; rows' labels
//! on the side where the reader starts (the right in Arabic, where the bars grow leftwards).
//! The drawing is laid out left to right (`direction="ltr"` on the SVG); each text runs in the
//! language's direction and starts at its `x`: its left edge from left to right, its right
//! edge from right to left.
//! An image named by its title and described in words; the page puts the figures in a table.

use crate::domain::text::escape_html as escape;
use std::fmt::Write;

/// What the chart shows, every text already in the reader's language.
pub struct Bars<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// `(label, ours, network)`, top to bottom.
    pub rows: &'a [(String, usize, usize)],
    /// The names of the two series, and how a count is written (the reader's digits).
    pub series: (&'a str, &'a str),
    pub format: &'a dyn Fn(usize) -> String,
    pub rtl: bool,
}

// Small enough that its text (18 to 20 units) stays readable on a phone 320 pixels wide.
const WIDTH: f64 = 600.0;
const ROW: f64 = 44.0;
const BAR: f64 = 16.0;
const TOP: f64 = 46.0;
const LABELS: f64 = 48.0;
/// Room for the count at the end of the longest bar.
const END: f64 = 52.0;

impl Bars<'_> {
    /// The SVG, with `id` naming its title and description.
    pub fn svg(&self, id: &str) -> String {
        let height = TOP + ROW * self.rows.len() as f64 + 8.0;
        let most = self
            .rows
            .iter()
            .map(|(_, ours, network)| (*ours).max(*network))
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let span = WIDTH - LABELS - END;
        // Where a bar of `length` starts and where its end is, in the reader's direction.
        let bar = |length: f64| -> (f64, f64) {
            if self.rtl {
                (WIDTH - LABELS - length, WIDTH - LABELS - length)
            } else {
                (LABELS, LABELS + length)
            }
        };
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<svg class=\"bars\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" direction=\"ltr\" \
             aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            escape(self.title),
            escape(self.description)
        );
        let direction = if self.rtl { "rtl" } else { "ltr" };
        // The legend, at the top on the reader's starting side.
        let legend_x = if self.rtl { WIDTH - LABELS } else { LABELS };
        let swatch = |x: f64| if self.rtl { x - 18.0 } else { x };
        let text_x = |x: f64| if self.rtl { x - 26.0 } else { x + 26.0 };
        let second = if self.rtl {
            legend_x - 260.0
        } else {
            legend_x + 260.0
        };
        for (x, class, name) in [
            (legend_x, "ours", self.series.0),
            (second, "network", self.series.1),
        ] {
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"8\" width=\"18\" height=\"18\"/>\
                 <text x=\"{:.1}\" y=\"24\" direction=\"{direction}\">{}</text>",
                swatch(x),
                text_x(x),
                escape(name)
            );
        }
        for (index, (label, ours, network)) in self.rows.iter().enumerate() {
            let top = TOP + ROW * index as f64;
            let label_x = if self.rtl { WIDTH - 4.0 } else { 4.0 };
            let _ = write!(
                svg,
                "<text class=\"label\" x=\"{label_x:.1}\" y=\"{:.1}\" direction=\"{direction}\">{}</text>",
                top + ROW / 2.0 + 7.0,
                escape(label)
            );
            for (offset, class, value) in
                [(2.0, "ours", ours), (2.0 + BAR + 2.0, "network", network)]
            {
                let length = *value as f64 / most * span;
                let (x, end) = bar(length);
                let y = top + offset;
                let _ = write!(
                    svg,
                    "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{length:.1}\" height=\"{BAR}\"/>"
                );
                let value_x = if self.rtl { end - 4.0 } else { end + 4.0 };
                let _ = write!(
                    svg,
                    "<text class=\"value\" x=\"{value_x:.1}\" y=\"{:.1}\" direction=\"{direction}\">{}</text>",
                    y + BAR - 2.0,
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

    #[test]
    fn bars_grow_from_the_readers_side_and_say_their_counts() {
        let rows = vec![("19".to_string(), 4, 10), ("3".to_string(), 0, 2)];
        let format = |count: usize| count.to_string();
        let chart = |rtl: bool| {
            Bars {
                title: "By objective",
                description: "Objective 19 most",
                rows: &rows,
                series: ("Ours", "The network's"),
                format: &format,
                rtl,
            }
            .svg("objectives")
        };
        let ltr = chart(false);
        assert!(ltr.contains("role=\"img\"") && ltr.contains("<title id=\"objectives-title\">"));
        // The network's 10 is the longest bar: the whole span, from the labels.
        assert!(
            ltr.contains("x=\"48.0\" y=\"66.0\" width=\"500.0\""),
            "{ltr}"
        );
        let rtl = chart(true);
        // Right to left: the same bar ends at the labels on the right.
        assert!(
            rtl.contains("x=\"52.0\" y=\"66.0\" width=\"500.0\""),
            "{rtl}"
        );
        assert!(rtl.contains("x=\"596.0\""), "labels on the right: {rtl}");
        // Each text starts at its x in its own direction: from the right in Arabic.
        assert!(
            rtl.contains("direction=\"rtl\"") && !rtl.contains("text-anchor"),
            "{rtl}"
        );
    }
}
