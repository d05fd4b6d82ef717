//! Account data shared by the server and the browser.

use super::permission::Permission;
use serde::{Deserialize, Serialize};

/// What the page chrome needs to know about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_staff: bool,
    pub permissions: Vec<Permission>,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.is_staff || self.permissions.contains(&permission)
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

/// The social sign-in providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocialProvider {
    Google,
    X,
}

impl SocialProvider {
    pub const ALL: [SocialProvider; 2] = [SocialProvider::Google, SocialProvider::X];

    /// The name in URLs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SocialProvider::Google => "google",
            SocialProvider::X => "x",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SocialProvider::Google => "Google",
            SocialProvider::X => "X",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// A way the signed-in user can sign in, for the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub has_password: bool,
    /// Configured providers, with the linked account's name if linked.
    pub providers: Vec<ProviderLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLink {
    pub provider: SocialProvider,
    /// `Some(name or e-mail)` when linked.
    pub linked_as: Option<String>,
    pub linked_on: Option<String>,
}

/// The fixed messages behind `?social=<code>` after a social sign-in step (never the
/// provider's own text, which an attacker could choose).
pub fn social_message(code: &str) -> Option<(&'static str, bool)> {
    // (message, is_error)
    Some(match code {
        "cancelled" => ("Sign-in was cancelled at the provider. Nothing changed.", true),
        "failed" => ("The provider didn't complete the sign-in. Please try again.", true),
        "expired" => ("That sign-in link has expired or was already used. Please start again.", true),
        "inactive" => ("This account has been deactivated. Contact the editors if you think this is a mistake.", true),
        "link_required" => ("An account with this e-mail address already exists. Log in with its password once to link the two; after that either way works.", false),
        "linked" => ("Linked. You can now sign in with it.", false),
        "unlinked" => ("Unlinked. It can no longer be used to sign in to this account.", false),
        "taken" => ("That account is already linked to another Waypost account.", true),
        "already" => ("You already linked an account of that provider. Unlink it first.", true),
        "last_method" => ("That is your only way to sign in. Set a password first (Forgot your password? on the login page sends a link).", true),
        "not_configured" => ("That provider isn't available on this site.", true),
        _ => return None,
    })
}
