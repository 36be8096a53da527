//! The editor's page: the form of one kind, new or stored, with every language side by side,
//! the errors of the last submission next to their fields, and the preview.

use super::fields::{self, LanguageColumn};
use crate::app::AppState;
use crate::domain::publication::Kind;
use crate::error::FieldError;
use crate::web::auth::Visitor;
use crate::web::forms::{Field, FormValues, place_errors};
use crate::web::frame::{Frame, framed};
use crate::web::map::{self, MapView};
use askama::Template;

/// A language of the preview.
pub struct PreviewText {
    pub language: String,
    pub dir: &'static str,
    pub title: String,
    pub summary: String,
    pub body_html: String,
}

/// What the editor's page shows: which form, filled how, and what the last submission got.
pub struct Form<'a> {
    pub kind: Kind,
    /// The public id of the publication being edited; `None` for a new one.
    pub existing: Option<&'a str>,
    pub values: &'a FormValues,
    pub errors: &'a [FieldError],
    pub preview: Vec<PreviewText>,
    /// Who the editor may give as the byline: `(account id, name)`.
    pub bylines: Vec<(i64, String)>,
}

impl<'a> Form<'a> {
    /// The form of `kind` filled with `values`, without errors or preview.
    pub fn new(kind: Kind, existing: Option<&'a str>, values: &'a FormValues) -> Form<'a> {
        Form {
            kind,
            existing,
            values,
            errors: &[],
            preview: Vec::new(),
            bylines: Vec::new(),
        }
    }

    /// The same form, offering `bylines`.
    pub fn with_bylines(mut self, bylines: Vec<(i64, String)>) -> Form<'a> {
        self.bylines = bylines;
        self
    }
}

#[derive(Template)]
#[template(path = "editor.html")]
pub struct EditorPage {
    frame: Frame,
    heading: String,
    action: String,
    csrf: String,
    columns: Vec<LanguageColumn>,
    has_extra: bool,
    extra_filled: bool,
    default_language: Option<Field>,
    fields: Vec<Field>,
    unplaced: Vec<String>,
    has_errors: bool,
    preview: Vec<PreviewText>,
    delete: Option<String>,
    /// A story's withdrawal of consent.
    withdraw: Option<String>,
    /// An event's map to set its point on, and the label of its tiles.
    map: Option<(MapView, String)>,
}
framed!(EditorPage);

impl EditorPage {
    pub fn new(state: &AppState, frame: Frame, visitor: &Visitor, form: Form<'_>) -> EditorPage {
        let t = frame.t;
        let Form {
            kind,
            existing,
            values,
            errors,
            preview,
            bylines,
        } = form;
        let mut columns = fields::language_columns(state, &t, values);
        let mut fields = fields::form_fields(state, &t, kind, values);
        if !bylines.is_empty() {
            // First, under the texts: who wrote it.
            // "organization": no byline (an empty value would fail the browser's `required`).
            let none = ("organization".to_string(), t.t("editor-author-none"));
            let byline = Field::new("author", "select", t.t("editor-author"))
                .hint(t.t("editor-author-hint"))
                .value(values.get("author"))
                .choices(
                    std::iter::once(none).chain(
                        bylines
                            .iter()
                            .map(|(id, name)| (id.to_string(), name.clone())),
                    ),
                )
                .required();
            fields.insert(0, byline);
        }
        let instance_languages = &state.config().instance.languages;
        let default_language = (instance_languages.len() > 1).then(|| {
            Field::new("default_language", "select", t.t("editor-default-language"))
                .value(values.get("default_language"))
                .choices(
                    instance_languages
                        .iter()
                        .map(|code| (code.clone(), crate::i18n::language_name(code))),
                )
        });
        // What the form does not show (the organizer, texts in other languages, given through
        // the API or the CLI) travels in hidden fields, so that saving keeps it.
        let shown: Vec<String> = fields
            .iter()
            .chain(columns.iter().flat_map(|column| column.fields.iter()))
            .map(|field| field.name.clone())
            .chain([
                "default_language".to_string(),
                "csrf".to_string(),
                "action".to_string(),
                map::ZOOM_FIELD.to_string(),
            ])
            .collect();
        for (name, given) in &values.0 {
            if !shown.contains(name) && !fields::is_image_field(name) {
                for value in given.iter().filter(|value| !value.is_empty()) {
                    fields.push(Field::new(name, "hidden", "").value(value));
                }
            }
        }
        let mut unplaced = Vec::new();
        for error in errors {
            let one = std::slice::from_ref(error);
            let mut rest = place_errors(&t, &mut fields, one);
            for column in &mut columns {
                if !rest.is_empty() {
                    rest = place_errors(&t, &mut column.fields, one);
                }
            }
            unplaced.extend(rest);
        }
        let path = match existing {
            Some(public_id) => format!("/publish/{}/{public_id}", kind.as_str()),
            None => format!("/publish/{}", kind.as_str()),
        };
        let map = (kind == Kind::Event)
            .then(|| MapView::of_form(&state.config().website, values))
            .flatten()
            .map(|view| (view, t.t("editor-map-tile")));
        EditorPage {
            map,
            heading: t.t(&format!(
                "editor-{}-{}",
                if existing.is_some() { "edit" } else { "new" },
                kind.as_str()
            )),
            delete: existing.map(|_| format!("{path}/delete")),
            withdraw: existing
                .filter(|_| kind == Kind::Story)
                .map(|_| format!("{path}/withdraw")),
            action: path,
            csrf: visitor.csrf().to_string(),
            has_extra: columns.iter().any(|column| column.extra),
            extra_filled: columns.iter().any(|column| {
                column.extra && (column.filled || column.fields.iter().any(Field::has_error))
            }),
            columns,
            default_language,
            fields,
            has_errors: !errors.is_empty(),
            unplaced,
            preview,
            frame,
        }
    }
}
