//! Reading typed values from the variables, with errors that name the variable.

use super::ConfigError;

/// `true`/`false` (also 1/0, yes/no, on/off, any case) or `default` when unset.
pub(super) fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => parse_bool(&v)
            .ok_or_else(|| ConfigError::new(name, format!("expected true or false, got {v:?}"))),
    }
}

pub(super) fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

pub(super) fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::new(
                name,
                format!("expected a whole number from {min} to {max}, got {v:?}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_numbers() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        let get = |name: &str| (name == "N").then(|| "70".to_owned());
        assert_eq!(parse_number(&get, "N", 5, 1, 100), Ok(70));
        assert_eq!(parse_number(&get, "M", 5, 1, 100), Ok(5));
        assert!(parse_number(&get, "N", 5, 1, 50).is_err());
    }
}
