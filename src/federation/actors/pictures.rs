//! An actor's pictures (the avatar as its `icon`, a header as its `image`), stored on its
//! `local_actor` row as ids of images served at `/media/{id}`.

use crate::db::{Db, with_pool};
use crate::error::Result;

/// An actor's pictures, as ids of images served at `/media/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Pictures {
    /// The avatar (for the organization: its logo).
    pub icon_image: Option<String>,
    /// The header image.
    pub header_image: Option<String>,
}

/// Which of an actor's pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Icon,
    Header,
}

impl Picture {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Picture::Icon => ("icon_image", "icon_source"),
            Picture::Header => ("header_image", "header_source"),
        }
    }
}

/// The pictures of actor `local_actor_id`.
pub async fn pictures(db: &Db, local_actor_id: i64) -> Result<Pictures> {
    let sql = "select icon_image, header_image from local_actor where local_actor_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(local_actor_id)
        .fetch_one(pool)
        .await)?)
}

/// Sets (or, with `None`, removes) one picture of actor `local_actor_id`. `source` is the
/// SHA-256 of the configuration file it was read from, `None` for an upload.
pub async fn set_picture(
    db: &Db,
    local_actor_id: i64,
    picture: Picture,
    image: Option<&str>,
    source: Option<&str>,
) -> Result<()> {
    let (image_column, source_column) = picture.columns();
    let sql = format!(
        "update local_actor set {image_column} = $1, {source_column} = $2 where local_actor_id = $3"
    );
    with_pool!(db, |pool| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(image)
        .bind(source)
        .bind(local_actor_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The SHA-256 of the configuration file picture `picture` was last read from, if any.
pub async fn picture_source(
    db: &Db,
    local_actor_id: i64,
    picture: Picture,
) -> Result<Option<String>> {
    let (_, source_column) = picture.columns();
    let sql = format!("select {source_column} from local_actor where local_actor_id = $1");
    Ok(with_pool!(db, |pool| sqlx::query_scalar(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(local_actor_id)
    .fetch_one(pool)
    .await)?)
}
