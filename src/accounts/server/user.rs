//! The account as the server holds it (sessions, permissions, commands).

use std::fmt;

/// The signed-in user as axum-login keeps it.
#[derive(Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub is_staff: bool,
    pub is_active: bool,
    pub email_verified: bool,
    /// Bumped when the password changes or is reset: JWTs issued before stop working.
    pub session_generation: i32,
    /// The one JWT that made the last password change, which keeps working.
    pub kept_jwt_id: Option<String>,
    /// Permission codenames from their groups (every one for staff), read with the user on
    /// each request; a user just created has none until the next request reads their groups.
    pub permissions: Vec<String>,
    /// The name shown in the header (the profile's, else the username).
    pub display_name: String,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"[redacted]")
            .field("is_staff", &self.is_staff)
            .finish_non_exhaustive()
    }
}
