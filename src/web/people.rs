//! Who wrote or did something, as pages show them: a name, a handle and a link (a member's
//! page here, or a remote actor's page on its server), for many at once in two queries (our
//! members, then the remote actors' stored profiles), whatever their number.

use crate::app::AppState;
use crate::error::Result;

/// One person or organization as a page shows them.
#[derive(Debug, Clone)]
pub struct Shown {
    pub name: String,
    /// `@name@host`.
    pub handle: String,
    pub link: String,
}

/// Who each of `people` is, in order: `(their actor's id, their local actor row when they are
/// our member)`.
pub async fn who(state: &AppState, people: &[(&str, Option<i64>)]) -> Result<Vec<Shown>> {
    let domain = &state.config().instance.domain;
    let local: Vec<i64> = people.iter().filter_map(|(_, local)| *local).collect();
    let members = crate::domain::accounts::identity::members_by_actor(state.db(), &local).await?;
    let remote: Vec<&str> = people
        .iter()
        .filter(|(_, local)| local.is_none())
        .map(|(id, _)| *id)
        .collect();
    let profiles = crate::federation::remote_actors::profiles(state.db(), &remote).await?;
    Ok(people
        .iter()
        .map(|(id, local)| {
            if let Some((name, username)) = local.and_then(|actor| members.get(&actor)) {
                let link = url::Url::parse(id).map_or(id.to_string(), |url| url.path().to_string());
                return Shown {
                    name: name.clone(),
                    handle: format!("@{username}@{domain}"),
                    link,
                };
            }
            match profiles.get(*id) {
                Some(profile) => Shown {
                    name: profile.display_name(),
                    handle: profile.handle(),
                    link: profile.page().to_string(),
                },
                None => Shown {
                    name: id.to_string(),
                    handle: id.to_string(),
                    link: id.to_string(),
                },
            }
        })
        .collect())
}
