//! One storage interface, two backends: the local disk (served by Waypost at `/media/`) or an
//! S3-compatible bucket (DigitalOcean Spaces) through `object_store`.

use crate::config::MediaConfig;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("local media storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("object storage: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("invalid storage key {0:?}")]
    BadKey(String),
}

#[derive(Clone)]
pub enum Storage {
    Local {
        root: PathBuf,
    },
    S3 {
        store: Arc<AmazonS3>,
        public_base: String,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Local { root } => write!(f, "Storage::Local({})", root.display()),
            Storage::S3 { public_base, .. } => write!(f, "Storage::S3({public_base})"),
        }
    }
}

impl Storage {
    pub fn from_config(config: &MediaConfig) -> Result<Self, StorageError> {
        match config {
            MediaConfig::Local { root } => Ok(Storage::Local { root: root.clone() }),
            MediaConfig::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                public_base,
            } => {
                // Spaces objects are private unless the upload says otherwise.
                let mut headers = http::HeaderMap::new();
                headers.insert("x-amz-acl", http::HeaderValue::from_static("public-read"));
                let store = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_endpoint(endpoint)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key)
                    .with_virtual_hosted_style_request(false)
                    .with_client_options(
                        ClientOptions::new()
                            .with_allow_http(endpoint.starts_with("http://"))
                            .with_default_headers(headers),
                    )
                    .build()?;
                Ok(Storage::S3 {
                    store: Arc::new(store),
                    public_base: public_base.clone(),
                })
            }
        }
    }

    /// Stores `bytes` under `key` (e.g. `2026/11/ab12cd-960.jpg`).
    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &'static str,
    ) -> Result<(), StorageError> {
        if key.is_empty()
            || key.starts_with('/')
            || key.split('/').any(|part| part.is_empty() || part == "..")
        {
            return Err(StorageError::BadKey(key.to_owned()));
        }
        match self {
            Storage::Local { root } => {
                let path = root.join(key);
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                // Write then rename: a reader never sees half a file.
                let partial = path.with_extension("partial");
                tokio::fs::write(&partial, &bytes).await?;
                tokio::fs::rename(&partial, &path).await?;
                Ok(())
            }
            Storage::S3 { store, .. } => {
                let mut attributes = Attributes::new();
                attributes.insert(Attribute::ContentType, content_type.into());
                attributes.insert(
                    Attribute::CacheControl,
                    "public, max-age=31536000, immutable".into(),
                );
                let options = PutOptions {
                    attributes,
                    ..Default::default()
                };
                store
                    .put_opts(
                        &object_store::path::Path::from(key),
                        PutPayload::from(Bytes::from(bytes)),
                        options,
                    )
                    .await?;
                Ok(())
            }
        }
    }

    /// The public URL of a stored key.
    pub fn url(&self, key: &str) -> String {
        match self {
            Storage::Local { .. } => format!("/media/{key}"),
            Storage::S3 { public_base, .. } => format!("{public_base}/{key}"),
        }
    }

    pub fn local_root(&self) -> Option<&PathBuf> {
        match self {
            Storage::Local { root } => Some(root),
            Storage::S3 { .. } => None,
        }
    }
}
