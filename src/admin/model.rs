//! What the admin pages show (shared by the server and the browser build).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub users: i64,
    pub writers: i64,
    pub staff: i64,
    pub inactive: i64,
    pub published: i64,
    pub drafts: i64,
    pub comments: i64,
    pub hidden_comments: i64,
    pub ratings: i64,
    /// `None` when Redis can't be asked.
    pub mail_queued: Option<i64>,
    pub mail_dead: Option<i64>,
    /// The newest dead-lettered e-mails (failed for good), for staff to look into.
    pub dead_letters: Vec<DeadLetter>,
    pub recent: Vec<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub to: String,
    pub subject: String,
    pub attempts: u32,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub is_staff: bool,
    pub is_active: bool,
    pub is_writer: bool,
    pub email_verified: bool,
    pub joined: String,
    pub social: Vec<String>,
}

/// The fields staff may edit on an account, as submitted (kept to show again with errors).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEdit {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
}

/// `/admin/users/<id>`: one account, its groups, and the last refused edit (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub user: AdminUser,
    /// Every group, and whether the account is in it.
    pub groups: Vec<(String, bool)>,
    pub refused: Option<(UserEdit, crate::error::FieldErrors)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminRating {
    pub article_id: i64,
    pub article_slug: String,
    pub article_title: String,
    pub user_id: i64,
    pub rater: String,
    pub stars: i16,
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub members: i64,
    pub permissions: Vec<String>,
    /// `traveller` and `writer`: their names can't change.
    pub built_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionView {
    pub codename: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsPage {
    pub groups: Vec<GroupView>,
    pub permissions: Vec<PermissionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminArticle {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub authors: String,
    pub published: bool,
    pub updated: String,
    pub comments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminComment {
    pub id: i64,
    pub article_slug: String,
    pub article_title: String,
    pub author: String,
    pub excerpt: String,
    pub created: String,
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// The fixed confirmations behind `?done=<code>` after an admin action.
pub fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "promoted" => "Promoted to writer. They have been e-mailed.",
        "demoted" => "No longer a writer.",
        "activated" => "Account activated.",
        "deactivated" => "Account deactivated; their sessions end at their next request.",
        "permissions" => "Group permissions saved.",
        "unpublished" => "Story unpublished: it is a draft again.",
        "article_deleted" => "Story deleted.",
        "hidden" => "Comment hidden from readers.",
        "shown" => "Comment shown again.",
        "comment_deleted" => "Comment deleted.",
        "edited" => "Account saved. A new address must be confirmed through the link we sent it.",
        "groups" => "Groups saved.",
        "staff_granted" => "Now staff: they can use this admin area.",
        "staff_revoked" => "No longer staff.",
        "last_staff" => "That is the last active staff account: make someone else staff first.",
        "group_created" => "Group created. Choose its permissions below.",
        "group_renamed" => "Group saved.",
        "rating_deleted" => "Rating removed; the story's average no longer counts it.",
        "unchanged" => "Nothing to change: it was already that way.",
        "self" => "You can't do that to your own account.",
        _ => return None,
    })
}
