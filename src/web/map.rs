//! Maps without JavaScript: a block of 3 × 3 tiles (256 px each, Web Mercator, as
//! OpenStreetMap and every "slippy map" server cut them) from `website.map_tiles` around a
//! point, shifted by the stylesheet so that the point sits in the middle of the frame, and a
//! pin on it. An event's page shows one ([`MapView`]); the event editor shows one whose tiles
//! are image buttons ([`picked`]): a click sends its x and y in the tile, which become the
//! point's latitude and longitude, and the map zooms in on it.
//!
//! Without tiles (none configured, or blocked) the frame stays empty and the address and a
//! link to OpenStreetMap are all there is; nothing else depends on the tiles.
//!
//! The shift is quantized to 16 steps of 16 px per axis (the classes `sx-0` … `sx-15` and
//! `sy-0` … `sy-15` of `static/style.css`), so the pin is within 8 px of the point: finer
//! than a street at the zooms used here.

use crate::config::Website;
use crate::web::forms::FormValues;
use std::f64::consts::PI;

/// The zoom of an event's map: a few streets around the place.
pub const PAGE_ZOOM: u8 = 16;

/// Where the editor's map starts when no point is set: Europe, Africa and the Middle East.
const START: (f64, f64, u8) = (30.0, 15.0, 2);

/// The closest zoom the editor goes to.
const MAX_ZOOM: u8 = 18;

/// How many zoom levels one click in the editor goes in.
const ZOOM_STEP: u8 = 3;

/// The form field that keeps the editor map's zoom.
pub const ZOOM_FIELD: &str = "map_zoom";

const LATITUDE: &str = "event.place.latitude";
const LONGITUDE: &str = "event.place.longitude";

/// One tile of the 3 × 3 block, in reading order (rows from the north, columns from the west).
pub struct Tile {
    /// Its URL, or `None` beyond the poles (drawn as an empty square).
    pub src: Option<String>,
    /// The name of its image button in the editor: `map-{column}-{row}`.
    pub name: String,
}

/// A map around a point.
pub struct MapView {
    pub tiles: Vec<Tile>,
    /// The classes that shift the block so that the point is in the middle: `sx-3 sy-12`.
    pub shift: String,
    /// Whether the pin is drawn (the editor's map may have no point yet).
    pub pin: bool,
    pub zoom: u8,
    /// The same place on openstreetmap.org.
    pub link: String,
    pub attribution: String,
    pub attribution_url: String,
}

/// The point's position at `zoom` in tiles from the north-west corner of the world.
fn to_tiles(latitude: f64, longitude: f64, zoom: u8) -> (f64, f64) {
    let n = f64::from(1u32 << zoom);
    // Web Mercator stops at about ±85.05°.
    let latitude = latitude.clamp(-85.0511, 85.0511).to_radians();
    let x = (longitude + 180.0) / 360.0 * n;
    let y = (1.0 - (latitude.tan() + 1.0 / latitude.cos()).ln() / PI) / 2.0 * n;
    (x, y)
}

/// The reverse of [`to_tiles`]: latitude and longitude of a position in tiles, the longitude
/// brought back into −180…180.
fn from_tiles(x: f64, y: f64, zoom: u8) -> (f64, f64) {
    let n = f64::from(1u32 << zoom);
    let longitude = (x / n * 360.0 - 180.0 + 540.0).rem_euclid(360.0) - 180.0;
    let latitude = (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    (latitude, longitude)
}

/// The tile URL for tile `x`, `y` at `zoom` from the configured template.
fn tile_url(template: &str, zoom: u8, x: i64, y: i64) -> String {
    template
        .replace("{z}", &zoom.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

impl MapView {
    /// The map of `website` centred on `center` (latitude, longitude) at `zoom`, with a pin
    /// there when `pin`; `None` when the instance has no tiles.
    pub fn new(website: &Website, center: (f64, f64), zoom: u8, pin: bool) -> Option<MapView> {
        if website.map_tiles.trim().is_empty() {
            return None;
        }
        let (latitude, longitude) = center;
        let (x, y) = to_tiles(latitude, longitude, zoom);
        let (column, row) = (x.floor() as i64, y.floor() as i64);
        let count = 1i64 << zoom;
        let mut tiles = Vec::with_capacity(9);
        for dy in -1..=1 {
            for dx in -1..=1 {
                let tile_y = row + dy;
                tiles.push(Tile {
                    src: (0..count).contains(&tile_y).then(|| {
                        tile_url(
                            &website.map_tiles,
                            zoom,
                            (column + dx).rem_euclid(count),
                            tile_y,
                        )
                    }),
                    name: format!("map-{}-{}", dx + 1, dy + 1),
                });
            }
        }
        let step = |fraction: f64| ((fraction * 16.0).floor() as i64).clamp(0, 15);
        Some(MapView {
            tiles,
            shift: format!("sx-{} sy-{}", step(x - column as f64), step(y - row as f64)),
            pin,
            zoom,
            link: format!(
                "https://www.openstreetmap.org/?mlat={latitude:.5}&mlon={longitude:.5}#map={zoom}/{latitude:.5}/{longitude:.5}"
            ),
            attribution: website.map_attribution.clone(),
            attribution_url: website.map_attribution_url.clone(),
        })
    }

    /// The map of an event's page.
    pub fn of_place(website: &Website, latitude: f64, longitude: f64) -> Option<MapView> {
        MapView::new(website, (latitude, longitude), PAGE_ZOOM, true)
    }

    /// The editor's map for the form's `values`: on the point when there is one (at the zoom
    /// the editor left, else close), else on [`START`].
    pub fn of_form(website: &Website, values: &FormValues) -> Option<MapView> {
        let zoom = values
            .get(ZOOM_FIELD)
            .parse::<u8>()
            .ok()
            .map(|zoom| zoom.min(MAX_ZOOM));
        match point(values) {
            Some(point) => MapView::new(website, point, zoom.unwrap_or(PAGE_ZOOM), true),
            None => MapView::new(website, (START.0, START.1), zoom.unwrap_or(START.2), false),
        }
    }
}

/// The point the form holds, when both coordinates are numbers in range.
fn point(values: &FormValues) -> Option<(f64, f64)> {
    let number = |name: &str| values.get(name).replace(',', ".").parse::<f64>().ok();
    let (latitude, longitude) = (number(LATITUDE)?, number(LONGITUDE)?);
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude))
        .then_some((latitude, longitude))
}

/// What the editor's map did, when the submission came from it: a click on a tile (the
/// point moves there and the map zooms in), "zoom out" or "remove the point". The values are
/// changed to show the map's new state; `false` when the submission is not the map's.
pub fn picked(website: &Website, values: &mut FormValues) -> bool {
    let action = values.get("action").to_string();
    let view = MapView::of_form(website, values);
    let zoom = view.as_ref().map_or(START.2, |view| view.zoom);
    let set = |values: &mut FormValues, name: &str, value: String| {
        values.0.insert(name.to_string(), vec![value]);
    };
    if action == "map-out" {
        set(
            values,
            ZOOM_FIELD,
            zoom.saturating_sub(ZOOM_STEP).to_string(),
        );
        return true;
    }
    if action == "map-clear" {
        for name in [LATITUDE, LONGITUDE, ZOOM_FIELD] {
            values.0.remove(name);
        }
        return true;
    }
    // An image button sends `map-1-2.x` and `map-1-2.y`: where it was clicked, in pixels.
    let clicked = values.0.keys().find_map(|name| {
        let tile = name.strip_prefix("map-")?.strip_suffix(".x")?;
        let (column, row) = tile.split_once('-')?;
        Some((
            column.parse::<u8>().ok()?,
            row.parse::<u8>().ok()?,
            name.clone(),
        ))
    });
    let Some((column, row, x_name)) = clicked else {
        return false;
    };
    let y_name = format!("{}.y", x_name.trim_end_matches(".x"));
    let pixel = |name: &str| {
        values
            .get(name)
            .parse::<f64>()
            .ok()
            .map(|px| px.clamp(0.0, 255.0))
    };
    let (Some(px), Some(py)) = (pixel(&x_name), pixel(&y_name)) else {
        return false;
    };
    values.0.retain(|name, _| !name.starts_with("map-"));
    if column > 2 || row > 2 {
        return true;
    }
    let center = point(values).unwrap_or((START.0, START.1));
    let (x, y) = to_tiles(center.0, center.1, zoom);
    let tile_x = x.floor() + f64::from(column) - 1.0 + px / 256.0;
    let tile_y = y.floor() + f64::from(row) - 1.0 + py / 256.0;
    let (latitude, longitude) = from_tiles(tile_x, tile_y, zoom);
    set(values, LATITUDE, format!("{latitude:.6}"));
    set(values, LONGITUDE, format!("{longitude:.6}"));
    set(
        values,
        ZOOM_FIELD,
        (zoom + ZOOM_STEP).min(MAX_ZOOM).to_string(),
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn website() -> Website {
        Website::default()
    }

    #[test]
    fn tiles_are_the_ones_openstreetmap_cuts() {
        // Berlin's Rathaus Neukölln at zoom 16: tile 35213/21504, by the formula of the
        // OpenStreetMap wiki's "Slippy map tilenames" (x 35213.77, y 21504.47).
        let (x, y) = to_tiles(52.4812, 13.435, 16);
        assert_eq!((x.floor(), y.floor()), (35213.0, 21504.0));
        let (latitude, longitude) = from_tiles(x, y, 16);
        assert!((latitude - 52.4812).abs() < 1e-9 && (longitude - 13.435).abs() < 1e-9);
        let view = MapView::of_place(&website(), 52.4812, 13.435).expect("a map");
        assert_eq!(
            view.tiles[4].src.as_deref(),
            Some("https://tile.openstreetmap.org/16/35213/21504.png")
        );
        assert_eq!(view.tiles[0].name, "map-0-0");
        assert!(view.link.contains("mlat=52.48120&mlon=13.43500"));
    }

    #[test]
    fn the_world_wraps_and_stops_at_the_poles() {
        let view = MapView::new(&website(), (0.0, -179.9), 2, true).expect("a map");
        // West of the first column is the last one.
        assert_eq!(
            view.tiles[3].src.as_deref(),
            Some("https://tile.openstreetmap.org/2/3/2.png")
        );
        let north = MapView::new(&website(), (85.0, 0.0), 2, true).expect("a map");
        assert!(north.tiles[..3].iter().all(|tile| tile.src.is_none()));
        let none = Website {
            map_tiles: String::new(),
            ..Website::default()
        };
        assert!(MapView::of_place(&none, 1.0, 1.0).is_none());
    }

    #[test]
    fn a_click_on_the_editors_map_sets_the_point_and_zooms_in() {
        let mut values = FormValues::from_pairs(vec![
            ("map-1-1.x".to_string(), "128".to_string()),
            ("map-1-1.y".to_string(), "128".to_string()),
            ("action".to_string(), String::new()),
        ]);
        assert!(picked(&website(), &mut values));
        // The middle of the middle tile is about where the map started.
        let latitude: f64 = values.get(LATITUDE).parse().expect("a latitude");
        let longitude: f64 = values.get(LONGITUDE).parse().expect("a longitude");
        assert!((latitude - 30.0).abs() < 25.0 && (longitude - 15.0).abs() < 50.0);
        assert_eq!(values.get(ZOOM_FIELD), "5");
        assert!(values.0.keys().all(|name| !name.starts_with("map-")));

        // A click to the east of the point moves it east.
        values
            .0
            .insert("map-2-1.x".to_string(), vec!["10".to_string()]);
        values
            .0
            .insert("map-2-1.y".to_string(), vec!["128".to_string()]);
        assert!(picked(&website(), &mut values));
        let east: f64 = values.get(LONGITUDE).parse().expect("a longitude");
        assert!(east > longitude, "{east} > {longitude}");
        assert_eq!(values.get(ZOOM_FIELD), "8");

        values
            .0
            .insert("action".to_string(), vec!["map-out".to_string()]);
        assert!(picked(&website(), &mut values));
        assert_eq!(values.get(ZOOM_FIELD), "5");
        values
            .0
            .insert("action".to_string(), vec!["map-clear".to_string()]);
        assert!(picked(&website(), &mut values));
        assert!(values.get(LATITUDE).is_empty() && values.get(ZOOM_FIELD).is_empty());

        let mut publish =
            FormValues::from_pairs(vec![("action".to_string(), "publish".to_string())]);
        assert!(!picked(&website(), &mut publish), "not the map's");
    }
}
