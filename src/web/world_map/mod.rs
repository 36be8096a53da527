//! The directory's world map: an SVG drawn by the server, each country shaded by how many
//! organizations it counts, from Natural Earth's 1:110m country shapes in
//! `assets/world/countries.tsv` (Equal Earth projection, Antarctica left out; its README says
//! where the shapes come from and how to rebuild them). No script, no tiles, no inline style:
//! the classes `map-country` and `map-0` … `map-5` are styled by `static/style.css`.
//!
//! Invariant: the map is one of two views of the same counts. Countries too small for the
//! 1:110m data have no shape, so the caller's table of counts, which names every country, is
//! the map's accessible alternative and the only place where these appear. The codes that CLDR
//! names (what members pick from) and that have no shape here, [`WITHOUT_SHAPE`]:
//!
//! Without a shape: AC AD AG AI AQ AS AW AX BB BH BL BM BQ BV CC CK CP CQ CV CW CX DG DM EA FM
//! FO GD GG GI GP GS GU HK HM IC IM IO JE KI KM KN KY LC LI MC MF MH MO MP MQ MS MT MU MV NF NR
//! NU PF PM PN PW RE SC SG SH SM ST SX TA TC TK TO TV UM VA VC VG VI WF WS YT.
//!
//! That is small island states and territories (Malta, Bahrain, Singapore, Mauritius, the
//! Caribbean's and the Pacific's islands), the European micro-states, Hong Kong and Macao,
//! Antarctica (left out), and CLDR's few codes that ISO 3166-1 only reserves (AC, CP, CQ, DG,
//! EA, IC, TA). Kosovo is drawn as `XK`; Somaliland and Northern Cyprus are part of `SO` and
//! `CY`, Crimea of `UA`, French Guiana (`GF`) and Svalbard (`SJ`) have their own shapes.

use super::html::escape;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::LazyLock;

#[cfg(test)]
mod tests;

/// The country codes CLDR names that have no shape on the map (the module docs say why).
pub const WITHOUT_SHAPE: [&str; 81] = [
    "AC", "AD", "AG", "AI", "AQ", "AS", "AW", "AX", "BB", "BH", "BL", "BM", "BQ", "BV", "CC", "CK",
    "CP", "CQ", "CV", "CW", "CX", "DG", "DM", "EA", "FM", "FO", "GD", "GG", "GI", "GP", "GS", "GU",
    "HK", "HM", "IC", "IM", "IO", "JE", "KI", "KM", "KN", "KY", "LC", "LI", "MC", "MF", "MH", "MO",
    "MP", "MQ", "MS", "MT", "MU", "MV", "NF", "NR", "NU", "PF", "PM", "PN", "PW", "RE", "SC", "SG",
    "SH", "SM", "ST", "SX", "TA", "TC", "TK", "TO", "TV", "UM", "VA", "VC", "VG", "VI", "WF", "WS",
    "YT",
];

/// The shades above none: `map-1` (fewest) to `map-5` (the largest count).
const SHADES: u8 = 5;

/// The id of the map's own `<title>`, which `aria-labelledby` names: one map per page.
const TITLE_ID: &str = "world-map-title";

/// The country shapes as built by `tools/world-map/build.mjs`: a `viewBox` line, then one
/// `CODE<TAB>path` line per country.
const COUNTRIES_TSV: &str = include_str!("../../../assets/world/countries.tsv");

/// The map's data, parsed once.
struct WorldMap {
    /// The `viewBox` the paths are projected into (`0 0 1000 442`).
    view_box: &'static str,
    /// Each country's ISO 3166-1 alpha-2 code and SVG path, sorted by code.
    countries: Vec<(&'static str, &'static str)>,
}

static WORLD_MAP: LazyLock<WorldMap> = LazyLock::new(|| parse(COUNTRIES_TSV));

fn parse(text: &'static str) -> WorldMap {
    let mut lines = text.lines();
    let view_box = lines
        .next()
        .and_then(|line| line.strip_prefix("viewBox\t"))
        .expect("countries.tsv starts with its viewBox (a test checks it)");
    let countries = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once('\t')
                .expect("each line of countries.tsv is a code and a path (a test checks it)")
        })
        .collect();
    WorldMap {
        view_box,
        countries,
    }
}

/// The highest count of each shade, 1 to 5, for counts up to `largest`: a logarithmic scale,
/// since a few countries hold most organizations and a linear one would put every other
/// country in the lightest shade. Shade `k` ends at `(largest + 1)^(k/5) - 1`, and shade 5
/// at `largest` itself, so the country with the largest count is always the darkest.
fn thresholds(largest: u32) -> [u32; SHADES as usize] {
    let base = f64::from(largest) + 1.0;
    std::array::from_fn(|index| {
        let shade = index as f64 + 1.0;
        if index + 1 == usize::from(SHADES) {
            return largest;
        }
        // The small margin keeps exact powers (32^(1/5) = 2) from rounding down a step.
        let highest = (base.powf(shade / f64::from(SHADES)) - 1.0 + 1e-9).floor();
        (highest as u32).min(largest)
    })
}

/// The shade of `count` under `thresholds`: 0 for none.
fn shade(count: u32, thresholds: &[u32; SHADES as usize]) -> u8 {
    if count == 0 {
        return 0;
    }
    let index = thresholds
        .iter()
        .position(|highest| count <= *highest)
        .unwrap_or(usize::from(SHADES) - 1);
    index as u8 + 1
}

fn largest(counts: &BTreeMap<String, u32>) -> u32 {
    counts.values().copied().max().unwrap_or(0)
}

/// The world as an SVG, for a page to include as it is: each country a
/// `<path class="map-country map-N">` (N is 0 for none, 1 to 5 by count, the largest count
/// being 5: see [`legend`]) with a `<title>` child, what `label` says of the country's code and
/// count (its name and the count in the reader's language and digits: "السودان: ٣"), and each
/// country with a count a link to `href(code)` (the directory of that country,
/// `/directory?country=XX`, with whatever else narrowed the counts). `counts` is keyed by ISO
/// 3166-1 alpha-2 code in capitals (codes without a shape still set the scale); `title` names
/// the whole map. The root has `direction="ltr"`: geography does not mirror in right-to-left
/// pages.
///
/// For assistive technology the map is a `group` named by `title` holding one link per
/// country with a count, named by its label (`aria-label`); the shapes themselves are hidden
/// (their `<title>`s stay, as the tooltips of a mouse). Not `role="img"`: an image's children
/// are presentational, so its links would be focusable yet nameless (axe's
/// `nested-interactive`, a serious violation).
pub fn svg(
    counts: &BTreeMap<String, u32>,
    label: impl Fn(&str, u32) -> String,
    href: impl Fn(&str) -> String,
    title: &str,
) -> String {
    let world_map = &*WORLD_MAP;
    let thresholds = thresholds(largest(counts));
    let mut svg = String::with_capacity(COUNTRIES_TSV.len() + 100 * world_map.countries.len());
    // Writing into a String cannot fail, hence the ignored results.
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"world-map\" viewBox=\"{view_box}\" \
         role=\"group\" aria-labelledby=\"{TITLE_ID}\" direction=\"ltr\">\
         <title id=\"{TITLE_ID}\">{title}</title>",
        view_box = escape(world_map.view_box),
        title = escape(title),
    );
    for (code, path) in &world_map.countries {
        let count = counts.get(*code).copied().unwrap_or(0);
        let label = escape(&label(code, count));
        let shape = format!(
            "<path class=\"map-country map-{shade}\" d=\"{path}\" aria-hidden=\"true\">\
             <title>{label}</title></path>",
            shade = shade(count, &thresholds),
            path = escape(path),
        );
        if count > 0 {
            let _ = writeln!(
                svg,
                "<a href=\"{href}\" aria-label=\"{label}\">{shape}</a>",
                href = escape(&href(code)),
            );
        } else {
            svg.push_str(&shape);
            svg.push('\n');
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The shades the map uses for these counts, for a legend: `(shade, lowest, highest)` for
/// each shade some count could take, lightest first (with a largest count of 100: 1, 2–5,
/// 6–14, 15–39, 40–100). Empty when there are no counts.
pub fn legend(counts: &BTreeMap<String, u32>) -> Vec<(u8, u32, u32)> {
    let largest = largest(counts);
    if largest == 0 {
        return Vec::new();
    }
    let mut lowest = 1;
    let mut legend = Vec::new();
    for (shade, highest) in (1..=SHADES).zip(thresholds(largest)) {
        if lowest <= highest {
            legend.push((shade, lowest, highest));
            lowest = highest + 1;
        }
    }
    legend
}
