//! The organization's colour as the website's theme: the accent from `website.accent_color`,
//! the text colour that reads on it, and a link colour that reads on the white page, each
//! checked with the WCAG contrast ratio. Served as `/static/theme.css`, a few custom
//! properties that `static/style.css` uses.
//!
//! Invariant: text on the accent and links on white have a contrast ratio of at least 4.5:1
//! (WCAG 2.2 AA for body text), whatever colour the configuration gives.

/// The contrast ratio body text needs (WCAG 2.2, 1.4.3 AA).
pub const MINIMUM_CONTRAST: f64 = 4.5;

const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
// Pure black: with white, one of the two always reaches 4.5:1 (the worst case is about 4.58).
const BLACK: [u8; 3] = [0x00, 0x00, 0x00];

/// The colours derived from the accent.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The organization's colour, as configured: backgrounds of the header and buttons.
    pub accent: [u8; 3],
    /// Text on the accent: white or black, whichever contrasts more.
    pub on_accent: [u8; 3],
    /// Links and accent-coloured text on the white page: the accent, darkened if needed.
    pub link: [u8; 3],
}

impl Theme {
    pub fn new(accent: [u8; 3]) -> Theme {
        let on_accent = if contrast(accent, WHITE) >= contrast(accent, BLACK) {
            WHITE
        } else {
            BLACK
        };
        let mut link = accent;
        // Each step takes 10% off every channel: at most about 30 steps reach near-black.
        while contrast(link, WHITE) < MINIMUM_CONTRAST {
            link = link.map(|channel| (f64::from(channel) * 0.9).floor() as u8);
        }
        Theme {
            accent,
            on_accent,
            link,
        }
    }

    /// The theme of a configuration (whose accent colour was validated at load).
    pub fn of(website: &crate::config::Website) -> Theme {
        Theme::new(crate::config::parse_color(&website.accent_color).unwrap_or([0x0b, 0x5d, 0x4b]))
    }

    /// The stylesheet that sets the custom properties.
    pub fn css(&self) -> String {
        format!(
            ":root {{ --accent: {}; --accent-ink: {}; --link: {}; }}\n",
            hex(self.accent),
            hex(self.on_accent),
            hex(self.link)
        )
    }
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The relative luminance of an sRGB colour (WCAG 2.2).
fn luminance(color: [u8; 3]) -> f64 {
    let [r, g, b] = color.map(|channel| {
        let c = f64::from(channel) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// The contrast ratio of two colours, from 1 (same) to 21 (black on white).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contrast_of_black_on_white_is_21() {
        assert!((contrast([0, 0, 0], WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn every_accent_gets_readable_text_and_links() {
        // Light, dark, saturated and mid-grey colours, including those where white text fails.
        for accent in [
            [0x0b, 0x5d, 0x4b],
            [0xff, 0xd7, 0x00],
            [0xff, 0xff, 0xff],
            [0x00, 0x00, 0x00],
            [0x77, 0x77, 0x77],
            [0x00, 0x9f, 0xe3],
            [0xe3, 0x00, 0x0f],
        ] {
            let theme = Theme::new(accent);
            assert!(
                contrast(theme.accent, theme.on_accent) >= MINIMUM_CONTRAST,
                "{accent:?}"
            );
            assert!(
                contrast(theme.link, WHITE) >= MINIMUM_CONTRAST,
                "{accent:?}"
            );
        }
    }

    #[test]
    fn a_dark_accent_is_kept_and_a_light_one_darkened_for_links() {
        let dark = Theme::new([0x0b, 0x5d, 0x4b]);
        assert_eq!(dark.link, dark.accent);
        assert_eq!(dark.on_accent, WHITE);
        let yellow = Theme::new([0xff, 0xd7, 0x00]);
        assert_ne!(yellow.link, yellow.accent);
        assert_eq!(yellow.on_accent, BLACK);
        assert_eq!(
            Theme::new([0x0b, 0x5d, 0x4b]).css(),
            ":root { --accent: #0b5d4b; --accent-ink: #ffffff; --link: #0b5d4b; }\n"
        );
    }
}
