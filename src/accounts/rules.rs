//! The rules for account names and addresses, shared by every door that takes them
//! (sign-up, social sign-up, the profile command, the admin, the JSON API).

use crate::error::FieldErrors;

pub const MAX_DISPLAY_NAME: usize = 80;
/// Paths and words a username must not take (they would shadow routes or confuse readers).
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "staff",
    "support",
    "waypost",
    "api",
    "sfn",
    "login",
    "logout",
    "signup",
    "account",
    "authors",
    "writers",
    "articles",
    "search",
    "media",
    "pkg",
    "healthz",
    "feed",
    "me",
    "null",
    "undefined",
];

pub fn check_username(username: &str, errors: &mut FieldErrors) {
    let length = username.chars().count();
    if !(3..=30).contains(&length) {
        errors.add("username", "Use 3 to 30 characters.");
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        errors.add(
            "username",
            "Use only letters, digits, dots, dashes and underscores.",
        );
    } else if RESERVED_USERNAMES.contains(&username.to_ascii_lowercase().as_str()) {
        errors.add(
            "username",
            "That username is reserved. Please pick another.",
        );
    }
}

pub fn check_display_name(name: &str, errors: &mut FieldErrors) {
    if name.chars().count() > MAX_DISPLAY_NAME {
        errors.add(
            "display_name",
            format!("Use at most {MAX_DISPLAY_NAME} characters."),
        );
    }
}

pub fn check_email(email: &str, errors: &mut FieldErrors) {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        errors.add(
            "email",
            "Enter a valid e-mail address, like name@example.com.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let check = |name: &str| {
            let mut errors = FieldErrors::new();
            check_username(name, &mut errors);
            errors.is_empty()
        };
        assert!(check("ana_maria-1.x"));
        assert!(!check("ab"));
        assert!(!check("has space"));
        assert!(!check("Admin"));
        assert!(!check("ümlaut"));
    }

    #[test]
    fn emails() {
        let check = |email: &str| {
            let mut errors = FieldErrors::new();
            check_email(email, &mut errors);
            errors.is_empty()
        };
        assert!(check("ana@example.com"));
        assert!(!check("ana@example"));
        assert!(!check("@example.com"));
        assert!(!check("ana @example.com"));
        assert!(!check("a@b@example.com"));
    }
}
