//! The ActivityPub documents peers ask for most, kept serialized: each actor's document (built
//! from its row, which is read once and kept, and its pictures) and our publications' objects.
//!
//! Invariants: an actor's document is kept with the pictures it was built from and served
//! only while they are the actor's pictures (the organization's are read again after a few
//! seconds, `AppState::organization_pictures`), so a picture change shows at once in this
//! process and within seconds in another. A publication's document is forgotten by the edit,
//! delete or byline change that changes it (`federation::outbox`, `web::admin`), and kept at
//! most [`OBJECT_TTL`], which bounds what another process (another server on the same
//! PostgreSQL, or the CLI) may still serve after a change it did not make.

use super::actors::Pictures;
use crate::domain::publication::Kind;
use axum::body::Bytes;
use axum::http::StatusCode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a publication's document is served without reading the publication again.
pub const OBJECT_TTL: Duration = Duration::from_secs(5);
/// The most publications' documents kept.
pub const MAX_OBJECTS: usize = 512;

/// A publication's document as served: `200` with its object, or `410` with its `Tombstone`.
#[derive(Debug, Clone)]
pub struct KeptObject {
    pub status: StatusCode,
    pub body: Bytes,
    kept_at: Instant,
}

/// The documents kept.
#[derive(Debug, Default)]
pub struct DocumentCache {
    /// By actor row: the pictures a document was built with, and the document.
    actors: Mutex<HashMap<i64, (Pictures, Bytes)>>,
    objects: Mutex<Objects>,
}

/// Publications' documents by kind and public id, with the count of forgettings so far: a
/// document read before a change and built after its forgetting is not kept.
#[derive(Debug, Default)]
struct Objects {
    forgotten: u64,
    kept: HashMap<(Kind, String), KeptObject>,
}

impl DocumentCache {
    /// The document of actor `local_actor_id` if it was built with `pictures`.
    pub fn actor(&self, local_actor_id: i64, pictures: &Pictures) -> Option<Bytes> {
        let kept = self.actors.lock().ok()?;
        kept.get(&local_actor_id)
            .filter(|(built_with, _)| built_with == pictures)
            .map(|(_, body)| body.clone())
    }

    /// Keeps the document of actor `local_actor_id`, built with `pictures`.
    pub fn keep_actor(&self, local_actor_id: i64, pictures: Pictures, body: Bytes) {
        if let Ok(mut kept) = self.actors.lock() {
            kept.insert(local_actor_id, (pictures, body));
        }
    }

    /// The document of the publication `public_id` of `kind`, if kept less than
    /// [`OBJECT_TTL`] ago.
    pub fn object(&self, kind: Kind, public_id: &str) -> Option<KeptObject> {
        let objects = self.objects.lock().ok()?;
        objects
            .kept
            .get(&(kind, public_id.to_string()))
            .filter(|object| object.kept_at.elapsed() < OBJECT_TTL)
            .cloned()
    }

    /// What to give [`Self::keep_object`] for a document about to be read: nothing forgotten
    /// in between, or it is not kept.
    pub fn generation(&self) -> u64 {
        self.objects
            .lock()
            .map_or(u64::MAX, |objects| objects.forgotten)
    }

    /// Keeps the document of the publication `public_id` of `kind`, read at `generation`,
    /// unless a document was forgotten since; past [`MAX_OBJECTS`], the expired ones go,
    /// then the oldest.
    pub fn keep_object(
        &self,
        generation: u64,
        kind: Kind,
        public_id: &str,
        status: StatusCode,
        body: Bytes,
    ) {
        let Ok(mut objects) = self.objects.lock() else {
            return;
        };
        if objects.forgotten != generation {
            return;
        }
        let kept = &mut objects.kept;
        if kept.len() >= MAX_OBJECTS {
            kept.retain(|_, object| object.kept_at.elapsed() < OBJECT_TTL);
        }
        if kept.len() >= MAX_OBJECTS
            && let Some(oldest) = kept
                .iter()
                .min_by_key(|(_, object)| object.kept_at)
                .map(|(key, _)| key.clone())
        {
            kept.remove(&oldest);
        }
        kept.insert(
            (kind, public_id.to_string()),
            KeptObject {
                status,
                body,
                kept_at: Instant::now(),
            },
        );
    }

    /// Forgets the document of one publication (it was edited or deleted).
    pub fn forget_object(&self, kind: Kind, public_id: &str) {
        if let Ok(mut objects) = self.objects.lock() {
            objects.forgotten += 1;
            objects.kept.remove(&(kind, public_id.to_string()));
        }
    }

    /// Forgets every publication's document (a byline's account changed).
    pub fn forget_objects(&self) {
        if let Ok(mut objects) = self.objects.lock() {
            objects.forgotten += 1;
            objects.kept.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_document_is_served_only_with_the_pictures_it_was_built_with() {
        let cache = DocumentCache::default();
        let before = Pictures::default();
        cache.keep_actor(1, before.clone(), Bytes::from_static(b"{}"));
        assert!(cache.actor(1, &before).is_some());
        let after = Pictures {
            icon_image: Some("0199aa00bb11cc22dd33.png".to_string()),
            header_image: None,
        };
        assert!(cache.actor(1, &after).is_none());
        assert!(cache.actor(2, &before).is_none());
    }

    #[test]
    fn objects_are_forgotten_one_or_all_and_bounded() {
        let cache = DocumentCache::default();
        let read = cache.generation();
        cache.keep_object(
            read,
            Kind::Event,
            "a",
            StatusCode::OK,
            Bytes::from_static(b"{}"),
        );
        cache.keep_object(
            read,
            Kind::Story,
            "b",
            StatusCode::GONE,
            Bytes::from_static(b"{}"),
        );
        assert!(cache.object(Kind::Story, "a").is_none(), "kinds are apart");
        assert_eq!(
            cache.object(Kind::Story, "b").map(|object| object.status),
            Some(StatusCode::GONE)
        );
        cache.forget_object(Kind::Event, "a");
        assert!(cache.object(Kind::Event, "a").is_none());
        cache.forget_objects();
        assert!(cache.object(Kind::Story, "b").is_none());
        // Read before a forgetting, built after it: not kept.
        cache.keep_object(read, Kind::Event, "c", StatusCode::OK, Bytes::new());
        assert!(cache.object(Kind::Event, "c").is_none());
        let read = cache.generation();
        for number in 0..MAX_OBJECTS + 10 {
            let id = number.to_string();
            cache.keep_object(read, Kind::Event, &id, StatusCode::OK, Bytes::new());
        }
        assert_eq!(
            cache
                .objects
                .lock()
                .map(|objects| objects.kept.len())
                .unwrap_or_default(),
            MAX_OBJECTS
        );
        assert!(
            cache
                .object(Kind::Event, &(MAX_OBJECTS + 9).to_string())
                .is_some()
        );
    }
}
