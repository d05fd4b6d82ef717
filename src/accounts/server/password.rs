//! Password policy and hashing (argon2id, PHC strings). Hashing runs on the blocking pool:
//! it is deliberately slow and would otherwise stall the async workers.

use crate::error::{AppError, FieldErrors};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub use crate::config::PasswordPolicy;

pub const MIN_PASSWORD_LEN: usize = 10;
/// The shortest password `PASSWORD_POLICY=basic` accepts.
pub const BASIC_MIN_PASSWORD_LEN: usize = 8;
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
    policy: PasswordPolicy,
    password: &str,
    username: &str,
    email: &str,
    field: &str,
    errors: &mut FieldErrors,
) {
    let length = password.chars().count();
    let lowered = password.to_lowercase();
    if policy == PasswordPolicy::Basic {
        // NIST 800-63B's floor, for deployments that must accept what other RealWorld
        // back ends accept (the conformance suite sets passwords like "bonjour1").
        if length < BASIC_MIN_PASSWORD_LEN {
            errors.add(
                field,
                format!("Use at least {BASIC_MIN_PASSWORD_LEN} characters (you used {length})."),
            );
        } else if length > MAX_PASSWORD_LEN {
            errors.add(field, format!("Use at most {MAX_PASSWORD_LEN} characters."));
        }
        return;
    }
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

/// How long a password check waits for a free hashing slot before the client is told to
/// come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// One argon2 call holds 19 MiB and a core for tens of milliseconds: no more run at once than
/// there are cores, however many requests arrive (tokio's blocking pool alone would take
/// hundreds, and gigabytes).
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(cores)
    })
}

static HASHINGS_STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many argon2/PBKDF2 computations this process has started (tests measure floods with it).
pub fn hashings_started() -> u64 {
    HASHINGS_STARTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs password hashing work on the blocking pool, in a hashing slot. A request that can't
/// get a slot within [`HASHING_WAIT`] is refused with 503 and `Retry-After` rather than
/// queued without bound.
async fn in_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permit = tokio::time::timeout(HASHING_WAIT, hashing_slots().acquire())
        .await
        .map_err(|_| AppError::Busy {
            retry_after_secs: HASHING_WAIT.as_secs(),
        })?
        .map_err(|_| AppError::Internal)?;
    HASHINGS_STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let result = tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::Internal
    });
    drop(permit);
    result
}

pub async fn hash(password: String) -> Result<String, AppError> {
    in_hashing_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, kept for imported accounts
/// until their first login re-hashes them with argon2 (what Django itself does on upgrade).
pub const DJANGO_PBKDF2_PREFIX: &str = "pbkdf2_sha256$";

/// True for hashes that should be replaced by an argon2 one at the next successful login.
pub fn needs_rehash(stored_hash: &str) -> bool {
    stored_hash.starts_with(DJANGO_PBKDF2_PREFIX)
}

/// Checks a Django PBKDF2-SHA256 hash, comparing in constant time. Malformed: no match.
pub fn verify_django_pbkdf2(password: &str, stored_hash: &str) -> bool {
    use base64::Engine;
    let mut parts = stored_hash.split('$');
    let (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(expected), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        return false;
    };
    // Bounded: a hostile row must not make one login burn minutes of CPU.
    if !(1..=5_000_000).contains(&iterations) {
        return false;
    }
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(expected) else {
        return false;
    };
    if expected.is_empty() || expected.len() > 64 {
        return false;
    }
    let mut derived = vec![0u8; expected.len()];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
        password.as_bytes(),
        salt.as_bytes(),
        iterations,
        &mut derived,
    );
    constant_time_eq(&derived, &expected)
}

/// Equality that takes as long for a near miss as for a far one (secrets, tokens, states).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verifies `password` against a stored hash (argon2 PHC, or an imported Django PBKDF2 one);
/// a malformed hash counts as a mismatch.
pub async fn verify(password: String, stored_hash: String) -> Result<bool, AppError> {
    in_hashing_slot(move || match PasswordHash::new(&stored_hash) {
        _ if needs_rehash(&stored_hash) => verify_django_pbkdf2(&password, &stored_hash),
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "stored password hash is not a valid PHC string");
            false
        }
    })
    .await
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
mod django_tests {
    use super::*;

    /// Made with Django 4.2's `make_password("mocha-ana-2024", salt="abcdefghijklmnopqrstuv")`
    /// at 1,000 iterations (the format is the same at 600,000).
    const DJANGO: &str = "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$";

    #[test]
    fn django_hashes_verify_and_are_marked_for_rehash() {
        use base64::Engine;
        let mut derived = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            b"mocha-ana-2024",
            b"abcdefghijklmnopqrstuv",
            1000,
            &mut derived,
        );
        let stored = format!(
            "{DJANGO}{}",
            base64::engine::general_purpose::STANDARD.encode(derived)
        );
        assert!(verify_django_pbkdf2("mocha-ana-2024", &stored));
        assert!(!verify_django_pbkdf2("mocha-ana-2025", &stored));
        assert!(needs_rehash(&stored));
        assert!(!verify_django_pbkdf2("x", "pbkdf2_sha256$0$salt$AAAA"));
        assert!(!verify_django_pbkdf2("x", "pbkdf2_sha256$abc$salt$AAAA"));
        assert!(!verify_django_pbkdf2(
            "x",
            "pbkdf2_sha256$1000$salt$not base64!"
        ));
        assert!(!verify_django_pbkdf2("x", "md5$$x"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(password: &str) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_policy(
            PasswordPolicy::Strict,
            password,
            "ana",
            "ana@example.com",
            "password",
            &mut errors,
        );
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
