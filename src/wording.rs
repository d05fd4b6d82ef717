//! Words that depend on a number, in one place (server and browser builds).

/// "1 comment", "2 comments", "0 comments".
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn singular_only_for_one() {
        assert_eq!(count(1, "comment", "comments"), "1 comment");
        assert_eq!(count(0, "comment", "comments"), "0 comments");
        assert_eq!(count(2, "story", "stories"), "2 stories");
        assert_eq!(count(-1, "story", "stories"), "-1 stories");
    }
}
