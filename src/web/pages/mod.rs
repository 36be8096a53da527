//! The pages people read, one module each: the home page, the lists of stories, events,
//! opportunities and resources, the month calendar, a hashtag's page, the about page, the
//! directory of organizations with its world map, each publication's page (the `url` of its
//! federated object), and the calendar other websites embed. Rendered on the server with
//! askama templates (`templates/`) in the reader's language, inside the shared
//! [`frame`](super::frame).

pub mod about;
pub mod calendar;
pub mod cards;
pub mod directory;
pub mod embed;
pub mod home;
pub mod lists;
pub mod network_item;
pub mod publication;
pub mod tag;

pub use about::about;
pub use calendar::calendar;
pub use directory::directory;
pub use home::{actor, home};
pub use lists::PageQuery;
pub use publication::publication;
pub use tag::tag;
