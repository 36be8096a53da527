//! A real Jisr instance in this process: the library's own `Instance::start` on a free port.

use jisr::app::{AppState, Instance};
use jisr::config::Config;
use jisr::db::Db;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use url::Url;

/// A running instance and what it needs to start again.
pub struct TestInstance {
    pub instance: Option<Instance>,
    pub config: Config,
    pub address: SocketAddr,
}

impl TestInstance {
    /// Starts an instance named `localhost:<free port>` on `database_url`.
    pub async fn start(database_url: &str) -> TestInstance {
        Self::start_with(database_url, |_| {}).await
    }

    /// Like [`TestInstance::start`], with a chance to change the configuration.
    pub async fn start_with(database_url: &str, change: impl FnOnce(&mut Config)) -> TestInstance {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = Config::default();
        config.instance.domain = format!("localhost:{}", address.port());
        config.instance.name = "Nigerian Diaspora Berlin".to_string();
        config.instance.handle = "ngberlin".to_string();
        config.server.listen = address;
        config.database.url = database_url.to_string();
        config.federation.allow_loopback_peers = true;
        config.federation.retry_initial_seconds = 1;
        config.federation.retry_max_seconds = 2;
        // Tests import the ECB fixture; they fetch nothing from the ECB.
        config.remittances.ecb_url = String::new();
        change(&mut config);
        let instance = launch(config.clone(), listener).await;
        TestInstance {
            instance: Some(instance),
            config,
            address,
        }
    }

    pub fn state(&self) -> &AppState {
        &self.instance.as_ref().expect("running").state
    }

    /// `http://localhost:<port>/` + `path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}/", self.config.instance.domain))
            .expect("base")
            .join(path.trim_start_matches('/'))
            .expect("url")
    }

    /// The organization actor's id.
    pub fn actor_id(&self) -> Url {
        self.url(&format!("actors/{}", self.config.instance.handle))
    }

    /// The organization's handle, `ngberlin@localhost:<port>`.
    pub fn handle(&self) -> String {
        format!(
            "{}@{}",
            self.config.instance.handle, self.config.instance.domain
        )
    }

    /// Stops the instance (as a shutdown would) and starts it again on the same port and database.
    pub async fn restart(&mut self) {
        self.instance.take().expect("running").stop().await;
        let listener = TcpListener::bind(self.address)
            .await
            .expect("rebind the same port");
        self.instance = Some(launch(self.config.clone(), listener).await);
    }

    /// How many actors follow the organization, from its followers collection.
    pub async fn follower_count(&self) -> u64 {
        let collection: serde_json::Value = reqwest::Client::new()
            .get(self.url(&format!("actors/{}/followers", self.config.instance.handle)))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET followers")
            .json()
            .await
            .expect("followers JSON");
        collection["totalItems"].as_u64().expect("totalItems")
    }

    pub async fn stop(mut self) {
        if let Some(instance) = self.instance.take() {
            instance.stop().await;
        }
    }
}

async fn launch(config: Config, listener: TcpListener) -> Instance {
    let db = Db::connect(&config.database.url, config.database.max_connections)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let state = AppState::new(config, db).await.expect("state");
    Instance::start(state, listener).expect("start")
}

impl TestInstance {
    /// Publishes a story in English, as an editor would; returns it.
    pub async fn publish_story(&self, title: &str) -> jisr::domain::publication::Publication {
        use jisr::domain::publication::{Input, Kind};
        let input = serde_json::json!({
            "text": {"en": {"title": title, "summary": "A summary", "body": "The story."}},
            "story": {"category": "social", "consent": {"subject_consented": true, "given_by": "Amina", "given_on": "2026-01-10", "form": "written", "federated": true, "indexable": true, "images": true}},
        });
        let draft = Input::from_json(input.to_string().as_bytes())
            .expect("input")
            .validate(Kind::Story, &self.config.instance.languages)
            .expect("a valid story");
        jisr::federation::outbox::publish(self.state(), &draft)
            .await
            .expect("publish")
    }

    /// The id of a publication of this instance.
    /// Publishes an event a year ahead with `event` (the `[event]` fields besides its times and
    /// zone, e.g. `{"capacity": 10}`) through the domain and the outbox.
    pub async fn publish_event(
        &self,
        title: &str,
        event: serde_json::Value,
    ) -> jisr::domain::publication::Publication {
        use jisr::domain::publication::{Input, Kind};
        let year = chrono::Utc::now()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .expect("year")
            + 1;
        let mut fields = serde_json::json!({
            "starts_at": format!("{year}-03-14T10:00"),
            "ends_at": format!("{year}-03-14T16:00"),
            "time_zone": "Europe/Berlin",
            "online_url": "https://meet.example/fair",
        });
        if let (Some(fields), Some(extra)) = (fields.as_object_mut(), event.as_object()) {
            fields.extend(extra.clone());
        }
        let input = serde_json::json!({
            "text": {"en": {"title": title, "summary": "A summary", "body": "The event."}},
            "event": fields,
        });
        let draft = Input::from_json(input.to_string().as_bytes())
            .expect("input")
            .validate(Kind::Event, &self.config.instance.languages)
            .expect("a valid event");
        jisr::federation::outbox::publish(self.state(), &draft)
            .await
            .expect("publish")
    }

    pub fn publication_id(&self, publication: &jisr::domain::publication::Publication) -> Url {
        self.state()
            .urls()
            .publication(publication.kind, &publication.public_id)
    }
}
