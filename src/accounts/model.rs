//! Account data shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// What the page chrome needs to know about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_staff: bool,
    pub permissions: Vec<String>,
}

impl CurrentUser {
    pub fn can(&self, permission: &str) -> bool {
        self.is_staff || self.permissions.iter().any(|p| p == permission)
    }

    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// An author's public profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicProfile {
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub x_handle: Option<String>,
    pub website: Option<String>,
    pub joined: String,
    pub is_writer: bool,
}

impl PublicProfile {
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// The signed-in user's own editable settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnProfile {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub x_handle: String,
    pub website: String,
    pub email_verified: bool,
    pub notify_comments: bool,
}

/// First letter of a name for the placeholder avatar.
pub fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}
