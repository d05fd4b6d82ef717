//! Password policy and hashing (argon2id, PHC strings). Hashing runs on the blocking pool:
//! it is deliberately slow and would otherwise stall the async workers.

use crate::error::{AppError, FieldErrors};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub const MIN_PASSWORD_LEN: usize = 10;
/// Bounds the work an attacker can make argon2 do with one request.
pub const MAX_PASSWORD_LEN: usize = 128;

/// Most common passwords of at least MIN_PASSWORD_LEN characters (from public breach corpora).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

pub fn is_common(password: &str) -> bool {
    let candidate = password.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|line| !line.is_empty() && line == candidate)
}

/// Checks a new password, adding messages under `field` to `errors`.
pub fn check_policy(
    password: &str,
    username: &str,
    email: &str,
    field: &str,
    errors: &mut FieldErrors,
) {
    let length = password.chars().count();
    let lowered = password.to_lowercase();
    if length < MIN_PASSWORD_LEN {
        errors.add(
            field,
            format!("Use at least {MIN_PASSWORD_LEN} characters (you used {length})."),
        );
    } else if length > MAX_PASSWORD_LEN {
        errors.add(field, format!("Use at most {MAX_PASSWORD_LEN} characters."));
    } else if is_common(password) {
        errors.add(
            field,
            "That password is too common; choose something less guessable.",
        );
    } else if (!username.is_empty() && lowered.contains(&username.to_lowercase()))
        || (!email.is_empty() && lowered == email.to_lowercase())
    {
        errors.add(
            field,
            "Your password must not contain your username or e-mail.",
        );
    } else if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(c))
    {
        errors.add(
            field,
            "A password of one repeated character is too easy to guess.",
        );
    }
}

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// Verifies `password` against a stored PHC hash; a malformed hash counts as a mismatch.
pub async fn verify(password: String, stored_hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "stored password hash is not a valid PHC string");
            false
        }
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "password verification task failed");
        AppError::Internal
    })
}

/// A hash of a random password, verified against when the account does not exist so that a
/// wrong e-mail takes as long as a wrong password (no account enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"waypost-no-such-account", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(password: &str) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_policy(password, "ana", "ana@example.com", "password", &mut errors);
        errors
    }

    #[test]
    fn rejects_short_common_and_personal_passwords() {
        assert!(policy("short")
            .get("password")
            .unwrap()
            .contains("at least 10"));
        assert!(policy("Password123")
            .get("password")
            .unwrap()
            .contains("too common"));
        assert!(policy("ana-loves-maps")
            .get("password")
            .unwrap()
            .contains("username"));
        assert!(policy("aaaaaaaaaaaa").get("password").is_some());
        assert!(policy(&"x1".repeat(70))
            .get("password")
            .unwrap()
            .contains("at most"));
    }

    #[test]
    fn accepts_a_reasonable_passphrase() {
        assert!(policy("mocha-harbour-lantern").is_empty());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hashed = hash("mocha-harbour-lantern".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("mocha-harbour-lantern".into(), hashed.clone())
            .await
            .unwrap());
        assert!(!verify("wrong-password-here".into(), hashed).await.unwrap());
        assert!(!verify("x".into(), "not-a-hash".into()).await.unwrap());
    }
}
