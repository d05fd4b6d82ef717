//! Where uploaded images are stored.

use super::vars::parse_bool;
use super::ConfigError;

/// Where uploaded images go: the local disk (served at `/media/`) or S3-compatible storage
/// such as DigitalOcean Spaces (`USE_SPACES=true`).
#[derive(Clone)]
pub enum MediaConfig {
    Local {
        root: std::path::PathBuf,
    },
    S3 {
        bucket: String,
        endpoint: String,
        region: String,
        access_key_id: String,
        secret_access_key: String,
        /// Public base URL of stored objects (a CDN endpoint, or `<endpoint>/<bucket>`).
        public_base: String,
    },
}

pub(super) fn media_config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<MediaConfig, ConfigError> {
    let use_spaces = match get("USE_SPACES") {
        None => false,
        Some(v) => parse_bool(&v).ok_or_else(|| {
            ConfigError::new("USE_SPACES", format!("expected true or false, got {v:?}"))
        })?,
    };
    if !use_spaces {
        return Ok(MediaConfig::Local {
            root: get("MEDIA_ROOT")
                .unwrap_or_else(|| "media".to_owned())
                .into(),
        });
    }
    let required = |name: &'static str| {
        get(name).ok_or_else(|| ConfigError::new(name, "is required when USE_SPACES=true"))
    };
    let bucket = required("AWS_STORAGE_BUCKET_NAME")?;
    let endpoint = required("AWS_S3_ENDPOINT_URL")?
        .trim_end_matches('/')
        .to_owned();
    url::Url::parse(&endpoint)
        .map_err(|e| ConfigError::new("AWS_S3_ENDPOINT_URL", format!("not a valid URL ({e})")))?;
    let public_base = get("DO_SPACES_CDN_END_POINT")
        .map(|v| v.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("{endpoint}/{bucket}"));
    Ok(MediaConfig::S3 {
        access_key_id: required("AWS_ACCESS_KEY_ID")?,
        secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
        region: get("AWS_S3_REGION_NAME").unwrap_or_else(|| "us-east-1".to_owned()),
        bucket,
        endpoint,
        public_base,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::tests::vars;
    use crate::config::{Config, MediaConfig};

    #[test]
    fn spaces_need_their_credentials() {
        let err = Config::from_vars(vars(&[
            ("USE_SPACES", "True"),
            ("AWS_STORAGE_BUCKET_NAME", "b"),
        ]))
        .unwrap_err();
        assert_eq!(err.variable, "AWS_S3_ENDPOINT_URL");
        let config = Config::from_vars(vars(&[
            ("USE_SPACES", "true"),
            ("AWS_STORAGE_BUCKET_NAME", "blog"),
            ("AWS_S3_ENDPOINT_URL", "https://fra1.digitaloceanspaces.com"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            (
                "DO_SPACES_CDN_END_POINT",
                "https://blog.fra1.cdn.digitaloceanspaces.com/",
            ),
        ]))
        .expect("spaces config");
        match config.media {
            MediaConfig::S3 { public_base, .. } => {
                assert_eq!(public_base, "https://blog.fra1.cdn.digitaloceanspaces.com")
            }
            MediaConfig::Local { .. } => panic!("expected S3"),
        }
    }
}
