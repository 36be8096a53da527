//! Small HTML helpers shared by pages and documents.

/// Escapes text for HTML element content and attribute values.
pub use crate::domain::text::escape_html as escape;

/// Languages written right to left (by primary subtag).
const RIGHT_TO_LEFT: [&str; 8] = ["ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"];

/// `rtl` or `ltr` for a BCP 47 language tag.
pub fn direction(language: &str) -> &'static str {
    let primary = language.split('-').next().unwrap_or("");
    if RIGHT_TO_LEFT.contains(&primary) {
        "rtl"
    } else {
        "ltr"
    }
}

/// A whole page: `<html lang dir>`, title, the given extra `<head>` lines and body.
pub fn page(language: &str, title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n",
        lang = escape(language),
        dir = direction(language),
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn arabic_is_right_to_left() {
        assert_eq!(direction("ar"), "rtl");
        assert_eq!(direction("ar-EG"), "rtl");
        assert_eq!(direction("en"), "ltr");
        assert_eq!(direction("fr"), "ltr");
    }
}
