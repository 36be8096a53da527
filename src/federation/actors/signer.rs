//! The signer of the federation crate's fetches: the instance actor's key, as the crate's
//! `Actor` trait wants it.

use crate::error::{Error, Result};
use serde_json::Value;
use url::Url;

/// Lets the federation crate sign its fetches with the instance actor's key.
#[derive(Debug, Clone)]
pub struct FetchSigner {
    pub id: Url,
    pub private_key_pem: String,
    pub public_key_pem: String,
}

#[async_trait::async_trait]
impl activitypub_federation::traits::Object for FetchSigner {
    type DataType = crate::app::AppState;
    type Kind = Value;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(
        _object_id: Url,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Option<Self>> {
        Ok(None)
    }

    async fn into_json(
        self,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Value> {
        Err(Error::NotFound)
    }

    async fn verify(
        _json: &Value,
        _expected_domain: &Url,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<()> {
        Err(Error::NotFound)
    }

    async fn from_json(
        _json: Value,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Self> {
        Err(Error::NotFound)
    }
}

impl activitypub_federation::traits::Actor for FetchSigner {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }

    fn inbox(&self) -> Url {
        self.id.clone()
    }
}
