//! Configuration from variables: defaults, the Django names, and refusals that name the
//! variable.

use super::services::{DEV_DATABASE_URL, DEV_REDIS_URL};
use super::*;

/// Variables for a development server unless the pairs say otherwise.
fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> =
        HashMap::from([("ENVIRONMENT_DEVELOPMENT".to_owned(), "true".to_owned())]);
    vars.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    vars
}

#[test]
fn unset_mode_is_production_and_needs_a_secret() {
    let err = Config::from_vars(HashMap::new()).unwrap_err();
    assert_eq!(err.variable, "SECRET_KEY");
    let message = err.to_string();
    assert!(message.contains("required in production"), "{message}");
    assert!(
        message.contains("ENVIRONMENT_DEVELOPMENT=true"),
        "names both ways out: {message}"
    );
    assert!(message.contains("openssl rand"), "{message}");
}

#[test]
fn development_without_a_secret_gets_a_random_one() {
    let first = Config::from_vars(vars(&[])).unwrap();
    let second = Config::from_vars(vars(&[])).unwrap();
    assert!(first.secret_key.len() >= MIN_SECRET_KEY_LEN);
    assert_ne!(
        first.secret_key, second.secret_key,
        "no shared built-in key"
    );
    let short = Config::from_vars(vars(&[("SECRET_KEY", "short")])).unwrap_err();
    assert_eq!(short.variable, "SECRET_KEY");
}

#[test]
fn tls_needs_both_files_and_excludes_a_proxy() {
    let err = Config::from_vars(vars(&[("TLS_CERT_FILE", "cert.pem")])).unwrap_err();
    assert_eq!(err.variable, "TLS_KEY_FILE");
    let err = Config::from_vars(vars(&[
        ("TLS_CERT_FILE", "cert.pem"),
        ("TLS_KEY_FILE", "key.pem"),
        ("BEHIND_PROXY", "true"),
    ]))
    .unwrap_err();
    assert_eq!(err.variable, "TLS_CERT_FILE");
    let config = Config::from_vars(vars(&[
        ("TLS_CERT_FILE", "cert.pem"),
        ("TLS_KEY_FILE", "key.pem"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:8443"),
    ]))
    .expect("tls config");
    assert_eq!(config.site_url, "https://localhost:3000");
    assert_eq!(config.http_redirect_port, Some(3080));
    assert_eq!(config.https_port, 8443);
    let plain = Config::from_vars(vars(&[("HTTP_REDIRECT_PORT", "8080")])).expect("plain");
    assert_eq!(
        plain.http_redirect_port, None,
        "no redirect listener without TLS"
    );
}

#[test]
fn api_settings() {
    let defaults = Config::from_vars(vars(&[])).expect("defaults");
    assert_eq!(defaults.signup_group, "traveller");
    assert_eq!(defaults.password_policy, PasswordPolicy::Strict);
    assert!(defaults.api.cors_allowed_origins.is_empty());
    assert_eq!(defaults.api.jwt_ttl_secs, 7 * 24 * 3600);
    let set = Config::from_vars(vars(&[
        ("SIGNUP_GROUP", "writer"),
        ("PASSWORD_POLICY", "basic"),
        (
            "CORS_ALLOWED_ORIGINS",
            "https://app.example, http://localhost:5173",
        ),
    ]))
    .expect("set");
    assert_eq!(set.signup_group, "writer");
    assert_eq!(set.password_policy, PasswordPolicy::Basic);
    assert_eq!(
        set.api.cors_allowed_origins,
        ["https://app.example", "http://localhost:5173"]
    );
    let err = Config::from_vars(vars(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://app.example/path",
    )]))
    .unwrap_err();
    assert_eq!(err.variable, "CORS_ALLOWED_ORIGINS");
    let err = Config::from_vars(vars(&[("PASSWORD_POLICY", "none")])).unwrap_err();
    assert_eq!(err.variable, "PASSWORD_POLICY");
}

#[test]
fn social_providers_need_both_credentials() {
    let none = Config::from_vars(vars(&[])).expect("none");
    assert!(none.google.is_none() && none.x.is_none());
    let err = Config::from_vars(vars(&[("GOOGLE_CLIENT_ID", "id")])).unwrap_err();
    assert_eq!(err.variable, "GOOGLE_CLIENT_SECRET");
    let config = Config::from_vars(vars(&[
        ("GOOGLE_CLIENT_ID", "gid"),
        ("GOOGLE_CLIENT_SECRET", "gsecret"),
        ("GOOGLE_TOKEN_URL", "http://127.0.0.1:9000/token"),
        // The Django blog's .env spells it with a zero.
        ("TWITTER_0AUTH2_CLIENT_ID", "xid"),
        ("TWITTER_OAUTH2_CLIENT_SECRET", "xsecret"),
    ]))
    .expect("both");
    let google = config.google.expect("google");
    assert_eq!(google.token_url, "http://127.0.0.1:9000/token");
    assert_eq!(
        google.auth_url,
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert!(!format!("{google:?}").contains("gsecret"));
    assert_eq!(config.x.expect("x").client_id, "xid");
    let err = Config::from_vars(vars(&[
        ("GOOGLE_CLIENT_ID", "gid"),
        ("GOOGLE_CLIENT_SECRET", "s"),
        ("GOOGLE_AUTH_URL", "javascript:alert(1)"),
    ]))
    .unwrap_err();
    assert_eq!(err.variable, "GOOGLE_AUTH_URL");
}

#[test]
fn trusted_proxies_are_addresses_or_networks() {
    let config = Config::from_vars(vars(&[(
        "TRUSTED_PROXIES",
        "10.0.0.0/8, 127.0.0.1 fd00::/8",
    )]))
    .expect("list");
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    assert!(config.proxy.trusts(ip("10.20.30.40")));
    assert!(config.proxy.trusts(ip("127.0.0.1")));
    assert!(config.proxy.trusts(ip("::ffff:10.1.1.1")));
    assert!(config.proxy.trusts(ip("fd12::1")));
    assert!(!config.proxy.trusts(ip("127.0.0.2")));
    assert!(!config.proxy.trusts(ip("11.0.0.1")));
    let any = Config::from_vars(vars(&[("BEHIND_PROXY", "true")])).expect("any");
    assert_eq!(any.proxy, ProxyTrust::AnyPeer);
    let none = Config::from_vars(vars(&[])).expect("none");
    assert!(!none.proxy.trusts(ip("127.0.0.1")));
    let err = Config::from_vars(vars(&[("TRUSTED_PROXIES", "10.0.0.0/33")])).unwrap_err();
    assert_eq!(err.variable, "TRUSTED_PROXIES");
}

#[test]
fn development_has_local_defaults() {
    let config = Config::from_vars(vars(&[])).expect("defaults");
    assert!(config.development);
    assert_eq!(config.database_url, DEV_DATABASE_URL);
    assert_eq!(config.redis_url, DEV_REDIS_URL);
    assert_eq!(config.page_size, 5);
}

#[test]
fn production_names_the_missing_variable() {
    let err = Config::from_vars(vars(&[("ENVIRONMENT_DEVELOPMENT", "False")])).unwrap_err();
    assert_eq!(err.variable, "SECRET_KEY");
    assert!(err
        .to_string()
        .starts_with("configuration error: SECRET_KEY: is required in production"));
}

#[test]
fn production_rejects_a_short_secret() {
    let err = Config::from_vars(vars(&[
        ("ENVIRONMENT_DEVELOPMENT", "false"),
        ("SECRET_KEY", "short"),
    ]))
    .unwrap_err();
    assert_eq!(err.variable, "SECRET_KEY");
}

#[test]
fn invalid_page_size_is_named() {
    let err = Config::from_vars(vars(&[("PAGE_SIZE", "lots")])).unwrap_err();
    assert_eq!(err.variable, "PAGE_SIZE");
}

#[test]
fn django_names_are_understood() {
    let config = Config::from_vars(vars(&[
        ("ENVIRONMENT_DEVELOPMENT", "False"),
        ("SECRET_KEY", &"x".repeat(40)),
        ("DATABASE_RENDER_URL", "postgres://u:p@render.example/blog"),
        ("DB_NAME", "local"),
        ("REDISS_URL", "rediss://:pw@redis.example:6380"),
        ("DJANGO_ALLOWED_HOSTS", "blog.example, www.blog.example"),
        ("SITE_URL", "https://blog.example/"),
    ]))
    .expect("production config");
    assert_eq!(config.database_url, "postgres://u:p@render.example/blog");
    assert_eq!(config.redis_url, "rediss://:pw@redis.example:6380");
    assert_eq!(
        config.allowed_hosts,
        vec!["blog.example", "www.blog.example"]
    );
    assert_eq!(config.site_url, "https://blog.example");
}

#[test]
fn development_prefers_local_db_parts() {
    let config = Config::from_vars(vars(&[
        ("DATABASE_RENDER_URL", "postgres://u:p@render.example/blog"),
        ("DB_NAME", "blog"),
        ("DB_USER", "me"),
        ("DB_PASSWORD", "p@ss word"),
        ("DB_HOST", "db"),
    ]))
    .expect("dev config");
    assert_eq!(
        config.database_url,
        "postgres://me:p%40ss%20word@db:5432/blog"
    );
}

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

#[test]
fn debug_output_hides_secrets() {
    let config = Config::from_vars(vars(&[
        ("SECRET_KEY", &"s3cr3t".repeat(8)),
        ("DATABASE_URL", "postgres://u:hunter2@db/x"),
    ]))
    .expect("config");
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cr3t"));
    assert!(!shown.contains("hunter2"));
}
