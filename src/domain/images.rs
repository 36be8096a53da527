//! Uploaded images: checked, decoded, shrunk to at most [`MAX_SIDE`] pixels on the longer side
//! and re-encoded, so that nothing of the original file but its pixels survives (no EXIF, no
//! GPS position, no camera serial number, no embedded thumbnail). Stored in the database.
//!
//! Invariant: only JPEG, PNG and WebP are accepted, told by their content, not their name; an
//! image is decoded with bounds on its size in memory before any pixel is read.

use crate::db::{Db, with_pool};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::Utc;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The longer side of a stored image, at most.
pub const MAX_SIDE: u32 = 2048;
/// Largest picture decoded, in pixels (a bound on memory: 25 MP × 4 bytes = 100 MB; a 24 MP
/// camera's 6000 × 4000 fits).
const MAX_PIXELS: u64 = 25_000_000;

/// A stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The id in `/media/{public_id}`.
    pub public_id: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
}

/// An image's bytes, to serve.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImageBytes {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Decodes `bytes` and re-encodes them: PNG when the image has transparency, JPEG otherwise.
/// Returns `(content type, extension, bytes, width, height)`.
pub fn reencode(bytes: &[u8]) -> Result<(&'static str, &'static str, Vec<u8>, u32, u32)> {
    let refuse = |why: Reason| Error::from(FieldError::of("image", why));
    let format = image::guess_format(bytes).map_err(|_| refuse(Reason::NotAnImage))?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(refuse(Reason::ImageFormat));
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|_| refuse(Reason::ImageDamaged))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(FieldError::of("image", Reason::ImagePixels)
            .with(
                "megapixels",
                u64::from(width) * u64::from(height) / 1_000_000,
            )
            .with("max", MAX_PIXELS / 1_000_000)
            .into());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|_| refuse(Reason::ImageUndecodable))?;
    let decoded = if decoded.width().max(decoded.height()) > MAX_SIDE {
        // `thumbnail` averages whole pixels in integers: no floating-point copy of a big image.
        decoded.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        decoded
    };
    let (width, height) = (decoded.width(), decoded.height());
    let mut out = Cursor::new(Vec::new());
    let (content_type, extension) = if decoded.color().has_alpha() {
        DynamicImage::ImageRgba8(decoded.to_rgba8())
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|error| Error::internal(format!("png: {error}")))?;
        ("image/png", "png")
    } else {
        let rgb = DynamicImage::ImageRgb8(decoded.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder)
            .map_err(|error| Error::internal(format!("jpeg: {error}")))?;
        ("image/jpeg", "jpg")
    };
    Ok((content_type, extension, out.into_inner(), width, height))
}

/// Re-encodes one image at a time: decoding takes up to 100 MB.
#[derive(Debug)]
pub struct Encoder {
    slot: tokio::sync::Semaphore,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder {
            slot: tokio::sync::Semaphore::new(1),
        }
    }
}

/// Checks, re-encodes (one at a time, through `encoder`) and stores an upload of at most
/// `max_bytes`.
pub async fn store(
    db: &Db,
    encoder: &Encoder,
    bytes: Vec<u8>,
    max_bytes: u64,
    account_id: Option<i64>,
) -> Result<StoredImage> {
    if bytes.is_empty() {
        return Err(FieldError::of("image", Reason::ImageEmpty).into());
    }
    if bytes.len() as u64 > max_bytes {
        return Err(FieldError::of("image", Reason::ImageTooLarge)
            .with("max", max_bytes / 1_000_000)
            .into());
    }
    let _slot = tokio::time::timeout(std::time::Duration::from_secs(30), encoder.slot.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            Error::Unavailable("too many images at once: try again in a minute".to_string())
        })?;
    let (content_type, extension, encoded, width, height) =
        tokio::task::spawn_blocking(move || reencode(&bytes))
            .await
            .map_err(|error| Error::internal(format!("image task: {error}")))??;
    let public_id = format!(
        "{}.{extension}",
        crate::domain::publication::new_public_id(Utc::now())
    );
    let sql = "insert into image (public_id, content_type, width, height, bytes, account_id, created_at) \
               values ($1, $2, $3, $4, $5, $6, $7)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(&public_id)
        .bind(content_type)
        .bind(i64::from(width))
        .bind(i64::from(height))
        .bind(&encoded)
        .bind(account_id)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(StoredImage {
        public_id,
        content_type: content_type.to_string(),
        width,
        height,
    })
}

/// The bytes of image `public_id`.
pub async fn find(db: &Db, public_id: &str) -> Result<ImageBytes> {
    let sql = "select content_type, bytes from image where public_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(public_id)
        .fetch_one(pool)
        .await)?)
}

/// Deletes images uploaded more than a day ago that no publication shows, no actor has as its
/// picture and no member as their logo (a preview that was never published, an image replaced by another); returns
/// how many. What a publication shows is in `publication_image` (written with the publication
/// by `domain::publication`), looked up by image.
pub async fn forget_unused(db: &Db) -> Result<u64> {
    let sql = "delete from image where created_at < $1 and not exists \
               (select 1 from publication_image p where p.image_public_id = image.public_id) \
               and not exists (select 1 from local_actor a where a.icon_image = image.public_id \
               or a.header_image = image.public_id) \
               and not exists (select 1 from account m where m.logo = image.public_id)";
    Ok(with_pool!(db, |pool| sqlx::query(sql)
        .bind(Utc::now() - chrono::Duration::days(1))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn jpeg_with_exif() -> Vec<u8> {
        let picture: ImageBuffer<Rgb<u8>, Vec<u8>> =
            ImageBuffer::from_fn(64, 48, |x, y| Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut jpeg = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .expect("encode");
        let jpeg = jpeg.into_inner();
        // An APP1 Exif segment right after SOI, with a GPS marker string inside.
        let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=52.52;GPSLongitude=13.40";
        let length = u16::try_from(payload.len() + 2).expect("small");
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&length.to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&jpeg[2..]);
        with_exif
    }

    #[test]
    fn reencoding_drops_exif_and_gps() {
        let original = jpeg_with_exif();
        assert!(original.windows(4).any(|window| window == b"Exif"));
        let (content_type, _, encoded, width, height) = reencode(&original).expect("reencode");
        assert_eq!((content_type, width, height), ("image/jpeg", 64, 48));
        assert!(!encoded.windows(4).any(|window| window == b"Exif"));
        assert!(!encoded.windows(3).any(|window| window == b"GPS"));
    }

    #[test]
    fn big_images_shrink_and_other_files_are_refused() {
        let picture: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::new(3000, 1000);
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut png, ImageFormat::Png)
            .expect("encode");
        let (_, _, _, width, height) = reencode(&png.into_inner()).expect("reencode");
        assert_eq!((width, height), (MAX_SIDE, 683));
        for bad in [
            &b"GIF89a......"[..],
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"",
        ] {
            assert!(matches!(reencode(bad), Err(Error::Invalid(_))));
        }
    }
}
