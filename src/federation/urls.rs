//! The only place that builds this instance's URLs: actor ids, inboxes, collections, pages.
//! Each actor's endpoints and collections hang below its own id (`{id}/inbox`, `{id}/outbox`,
//! …), whatever its kind.
//!
//! Invariant: every id we publish comes from here, on `instance.base_url()`, so ids never drift
//! between the actor document, WebFinger and the signatures' `keyId`s.

use crate::config::Instance;
use crate::federation::actors::ActorKind;
use url::Url;

/// The shape of one of our actors' ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorPath {
    /// `/actor`.
    Instance,
    /// `/actors/{username}`.
    Named(String),
}

/// Builds URLs on one instance's base URL.
#[derive(Clone, Debug)]
pub struct Urls {
    base: Url,
}

impl Urls {
    /// URLs for `instance`.
    pub fn new(instance: &Instance) -> Urls {
        Urls {
            base: instance.base_url(),
        }
    }

    fn join(&self, path: &str) -> Url {
        // Paths below are literals or escaped names, so joining cannot fail. A plain path on a
        // base whose path is `/` is set as it is, without parsing the base's host again (lists
        // build a URL for each card).
        if self.base.path() == "/" && !path.starts_with('/') && !path.contains(['?', '#']) {
            let mut url = self.base.clone();
            url.set_path(&format!("/{path}"));
            return url;
        }
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    /// `scheme://domain/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The id of our actor `username` of `kind`: `/actors/{username}`, except the instance
    /// actor's, `/actor` (FEP-2677 and FEP-d556 find it there; peers have it cached).
    pub fn actor(&self, kind: ActorKind, username: &str) -> Url {
        match kind {
            ActorKind::Application => self.instance_actor(),
            _ => self.join(&format!("actors/{username}")),
        }
    }

    /// Which of our actors' ids `id` has the shape of (whether it exists is for the caller).
    pub fn actor_path(&self, id: &Url) -> Option<ActorPath> {
        if id.origin() != self.base.origin() || id.query().is_some() || id.fragment().is_some() {
            return None;
        }
        let segments: Vec<&str> = id.path_segments()?.collect();
        match segments.as_slice() {
            ["actor"] => Some(ActorPath::Instance),
            ["actors", username] if !username.is_empty() => {
                Some(ActorPath::Named(username.to_string()))
            }
            _ => None,
        }
    }

    /// The `keyId` of a local actor's key.
    pub fn actor_key(&self, actor: &Url) -> String {
        format!("{actor}#main-key")
    }

    /// `{actor}/{name}`: a collection or endpoint of one of our actors.
    fn of_actor(&self, actor: &Url, name: &str) -> Url {
        let mut url = actor.clone();
        url.set_fragment(None);
        url.set_query(None);
        let path = format!("{}/{name}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }

    /// The personal inbox of our actor `actor`.
    pub fn inbox(&self, actor: &Url) -> Url {
        self.of_actor(actor, "inbox")
    }

    /// The outbox of our actor `actor`.
    pub fn outbox(&self, actor: &Url) -> Url {
        self.of_actor(actor, "outbox")
    }

    /// The followers collection of our actor `actor`.
    pub fn followers(&self, actor: &Url) -> Url {
        self.of_actor(actor, "followers")
    }

    /// Our actor `actor`'s pinned publications (`featured`).
    pub fn featured(&self, actor: &Url) -> Url {
        self.of_actor(actor, "featured")
    }

    /// Our organization's confirmed experts (our namespace's `experts`): the ids of their
    /// actors, which other Jisr instances read when they follow us.
    pub fn experts(&self, actor: &Url) -> Url {
        self.of_actor(actor, "experts")
    }

    /// The following collection of our actor `actor`.
    pub fn following(&self, actor: &Url) -> Url {
        self.of_actor(actor, "following")
    }

    /// Page `page` (from 1) of a collection.
    pub fn page(&self, collection: &Url, page: u64) -> Url {
        let mut url = collection.clone();
        url.set_query(Some(&format!("page={page}")));
        url
    }

    /// The HTML profile page of a local actor (its `url`).
    pub fn profile(&self, username: &str) -> Url {
        self.join(&format!("@{username}"))
    }

    /// The instance actor (FEP-2677, FEP-d556): it signs our fetches.
    pub fn instance_actor(&self) -> Url {
        self.join("actor")
    }

    /// The shared inbox of the whole instance.
    pub fn shared_inbox(&self) -> Url {
        self.join("inbox")
    }

    /// The NodeInfo 2.1 document.
    pub fn nodeinfo(&self) -> Url {
        self.join("nodeinfo/2.1")
    }

    /// The WebFinger endpoint, as a template for host-meta.
    pub fn webfinger_template(&self) -> String {
        format!("{}.well-known/webfinger?resource={{uri}}", self.base)
    }

    /// A publication's id (and the URL of its page).
    pub fn publication(&self, kind: crate::domain::publication::Kind, public_id: &str) -> Url {
        self.join(&format!("{}/{public_id}", kind.plural()))
    }

    /// The kind and public id of our publication at `url` (its id, or its page with a query),
    /// if it has that shape (whether it exists is for the caller).
    pub fn publication_path(
        &self,
        url: &Url,
    ) -> Option<(crate::domain::publication::Kind, String)> {
        if !super::origin::same_origin(url, &self.base) {
            return None;
        }
        let mut segments = url.path_segments().into_iter().flatten();
        let (Some(kinds), Some(public_id), None) =
            (segments.next(), segments.next(), segments.next())
        else {
            return None;
        };
        let kind =
            crate::domain::publication::Kind::parse(kinds).filter(|kind| kind.plural() == kinds)?;
        (!public_id.is_empty()).then(|| (kind, public_id.to_string()))
    }

    /// A publication's page in one of its languages (`…?lang=ar`).
    pub fn publication_in(
        &self,
        kind: crate::domain::publication::Kind,
        public_id: &str,
        language: &str,
    ) -> Url {
        let mut url = self.publication(kind, public_id);
        url.query_pairs_mut().append_pair("lang", language);
        url
    }

    /// An activity about a publication, e.g. `…/stories/{id}/activities/create`.
    pub fn publication_activity(
        &self,
        kind: crate::domain::publication::Kind,
        public_id: &str,
        name: &str,
    ) -> Url {
        self.join(&format!("{}/{public_id}/activities/{name}", kind.plural()))
    }

    /// A publication's `replies` collection (the replies shown under it).
    pub fn publication_replies(
        &self,
        kind: crate::domain::publication::Kind,
        public_id: &str,
    ) -> Url {
        self.join(&format!("{}/{public_id}/replies", kind.plural()))
    }

    /// A new, never reused id for a reply of ours in a publication's thread.
    /// A forum's page: `/forums/{slug}` (its `Group` actor is at `/actors/{slug}`).
    pub fn forum(&self, slug: &str) -> Url {
        self.join(&format!("forums/{slug}"))
    }

    /// A post of a forum, ours, at its id: `/forums/{slug}/posts/{public_id}`.
    pub fn forum_post(&self, slug: &str, public_id: &str) -> Url {
        self.join(&format!("forums/{slug}/posts/{public_id}"))
    }

    /// An activity about a forum post (`create`, `announce`, `announce-object`, …):
    /// `/forums/{slug}/posts/{public_id}/{name}`.
    pub fn forum_post_activity(&self, slug: &str, public_id: &str, name: &str) -> Url {
        self.join(&format!("forums/{slug}/posts/{public_id}/{name}"))
    }

    /// A member's price report, at its id: `/remittances/reports/{public_id}`.
    pub fn price_report(&self, public_id: &str) -> Url {
        self.join(&format!("remittances/reports/{public_id}"))
    }

    /// An activity about a price report (`create`, `announce`, `update-…`, `delete`):
    /// `/remittances/reports/{public_id}/{name}`.
    pub fn price_report_activity(&self, public_id: &str, name: &str) -> Url {
        self.join(&format!("remittances/reports/{public_id}/{name}"))
    }

    /// A corridor's page: `/remittances/{from}-{to}`, lower-case ISO codes.
    pub fn corridor(&self, from: &str, to: &str) -> Url {
        self.join(&format!(
            "remittances/{}-{}",
            from.to_ascii_lowercase(),
            to.to_ascii_lowercase()
        ))
    }

    pub fn new_reply(&self, kind: crate::domain::publication::Kind, public_id: &str) -> Url {
        let token: u128 = rand::random();
        self.join(&format!(
            "{}/{public_id}/replies/{token:032x}",
            kind.plural()
        ))
    }

    /// An uploaded image, e.g. `…/media/{id}.jpg`.
    pub fn media(&self, public_id: &str) -> Url {
        self.join(&format!("media/{public_id}"))
    }

    /// A password reset link (its secret is URL-safe base64).
    pub fn reset_link(&self, secret: &str) -> Url {
        self.join(&format!("reset/{secret}"))
    }

    /// An invitation to register (its secret is URL-safe base64).
    pub fn invitation(&self, secret: &str) -> Url {
        let mut url = self.join("register");
        url.query_pairs_mut().append_pair("invitation", secret);
        url
    }

    /// The page of a hashtag.
    pub fn hashtag(&self, tag: &str) -> Url {
        let mut url = self.join("tags/");
        url.path_segments_mut()
            .map(|mut segments| {
                segments.pop_if_empty().push(&tag.to_lowercase());
            })
            .ok();
        url
    }

    /// The profile page of a member that publications are by (their byline links to it).
    pub fn member(&self, account_id: i64) -> Url {
        self.join(&format!("members/{account_id}"))
    }

    /// The embeddable calendar, the one page other websites may frame.
    pub fn embedded_events(&self) -> Url {
        self.join("embed/events")
    }

    /// The page of our JSON-LD context (our namespace's terms, for people and processors).
    pub fn namespace(&self) -> Url {
        self.join("ns")
    }

    /// A new, never reused id for an activity of ours, under the actor that sends it.
    pub fn new_activity(&self, actor: &Url, kind: &str) -> Url {
        let token: u128 = rand::random();
        let mut url = actor.clone();
        url.set_fragment(None);
        url.set_query(None);
        let path = format!(
            "{}/activities/{}-{token:032x}",
            url.path(),
            kind.to_ascii_lowercase()
        );
        url.set_path(&path);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_set_on_the_base_is_the_path_joined_to_it() {
        for base in ["https://jisr.example/", "http://localhost:8080/"] {
            let urls = Urls {
                base: Url::parse(base).expect("a base"),
            };
            for path in [
                "events/0199aa00bb11cc22dd33",
                "tags/%C3%A9migr%C3%A9s",
                "tags/émigrés",
                "actors/a b",
                "a/../b/./c",
                "media/x.png",
                "register?invite=1",
            ] {
                assert_eq!(
                    urls.join(path),
                    urls.base.join(path).expect("joins"),
                    "{base} {path}"
                );
            }
        }
    }
}
