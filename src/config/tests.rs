//! Configuration from variables: defaults, the Django names, and refusals that name the
//! variable.

use super::services::{DEV_DATABASE_URL, DEV_REDIS_URL};
use super::*;

/// Variables for a development server unless the pairs say otherwise.
pub(super) fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
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
        ("SENDGRID_API_KEY", "SG.test-key"),
    ]))
    .expect("production config");
    assert_eq!(config.database_url, "postgres://u:p@render.example/blog");
    assert_eq!(config.redis_url, "rediss://:pw@redis.example:6380");
    assert_eq!(
        config.allowed_hosts,
        vec!["blog.example", "www.blog.example"]
    );
    assert_eq!(config.site_url, "https://blog.example");
    assert!(matches!(config.mail.backend, MailBackend::Smtp { .. }));
}

#[test]
fn production_never_logs_mail_unless_told() {
    let production = [
        ("ENVIRONMENT_DEVELOPMENT", "false"),
        ("DATABASE_URL", "postgres://u:p@db.example/blog"),
        ("REDIS_URL", "redis://redis.example:6379"),
        ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("ALLOWED_HOSTS", "blog.example"),
        ("SITE_URL", "https://blog.example"),
    ];
    let err = Config::from_vars(vars(&production)).unwrap_err();
    assert_eq!(err.variable, "EMAIL_BACKEND");
    assert!(err.to_string().contains("EMAIL_BACKEND=console"));
    let mut told = production.to_vec();
    told.push(("EMAIL_BACKEND", "console"));
    let config = Config::from_vars(vars(&told)).expect("console, chosen");
    assert!(matches!(config.mail.backend, MailBackend::Console));
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
