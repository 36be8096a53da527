//! A browser as the tests drive one over HTTP: its cookie jar, the last CSRF token it saw in a
//! form, and its forms posted as a browser posts them (no redirects followed), against an
//! instance in the test process or a node of the test network.

use super::TestInstance;
use super::network::Node;
use reqwest::StatusCode;
use std::collections::BTreeMap;
use url::Url;

/// Something with a web address: an instance or a node.
pub trait Site {
    fn url(&self, path: &str) -> Url;
}

impl Site for TestInstance {
    fn url(&self, path: &str) -> Url {
        TestInstance::url(self, path)
    }
}

impl Site for Node {
    fn url(&self, path: &str) -> Url {
        Node::url(self, path)
    }
}

/// A browser's cookie jar and the last CSRF token it saw in a form.
pub struct Browser {
    base: Url,
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub csrf: String,
    /// Sent as `X-Forwarded-For`, as a reverse proxy on this machine would.
    pub forwarded_for: Option<String>,
}

/// What a request gave back.
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub fn new(site: &impl Site) -> Browser {
        let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        for host in super::network::HOSTS {
            client = client.resolve(host, std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        }
        Browser {
            base: site.url("/"),
            client: client.build().expect("client"),
            cookies: BTreeMap::new(),
            csrf: String::new(),
            forwarded_for: None,
        }
    }

    /// A browser behind the local reverse proxy, seen as coming from `address`.
    pub fn from_address(site: &impl Site, address: &str) -> Browser {
        Browser {
            forwarded_for: Some(address.to_string()),
            ..Browser::new(site)
        }
    }

    pub fn request(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let builder = builder
            .header("cookie", self.cookie_header())
            .header("accept-language", "en");
        match &self.forwarded_for {
            Some(address) => builder.header("x-forwarded-for", address),
            None => builder,
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn take(&mut self, response: reqwest::Response) -> Answer {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("cookie");
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            assert!(attributes.contains("HttpOnly"), "{text}");
            assert!(attributes.contains("SameSite=Lax"), "{text}");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|value| value.to_str().expect("location").to_string());
        let body = response.text().await.expect("body");
        if let Some(start) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[start + 19..];
            self.csrf = rest[..rest.find('"').expect("end")].to_string();
        }
        Answer {
            status,
            location,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .request(self.client.get(self.url(path)))
            .send()
            .await
            .expect("GET");
        self.take(response).await
    }

    /// Posts a form with the current CSRF token (unless the pairs give one).
    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        if !pairs.iter().any(|(name, _)| *name == "csrf") {
            form.push(("csrf".to_string(), self.csrf.clone()));
        }
        let response = self
            .request(self.client.post(self.url(path)))
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.take(response).await
    }

    pub async fn register(&mut self, name: &str, email: &str, extra: &[(&str, &str)]) -> Answer {
        self.get("/register").await;
        let mut pairs = vec![
            ("account_type", "organization"),
            ("name", name),
            ("email", email),
            ("password", "a long enough passphrase"),
        ];
        pairs.retain(|(field, _)| !extra.iter().any(|(given, _)| given == field));
        pairs.extend_from_slice(extra);
        self.post("/register", &pairs).await
    }

    /// Posts a multipart form (one with a file) with this browser's cookies.
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        self.request(self.client.post(self.url(path)))
            .multipart(form)
            .send()
            .await
            .expect("POST")
    }

    /// The ActivityStreams document at `path`, as a peer asks for it.
    pub async fn activity_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json")
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Answer {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

impl Browser {
    /// `path` on the browser's site.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path.trim_start_matches('/')).expect("url")
    }
}
