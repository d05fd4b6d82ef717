//! The permissions a group can grant, with their stored codenames in one place (the
//! `permissions` table is filled by the migrations with exactly these names; they are also
//! what the page chrome and the admin see).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Rate a story (travellers and writers).
    #[serde(rename = "rating.create")]
    RateArticle,
    /// Post comments (travellers and writers).
    #[serde(rename = "comment.create")]
    Comment,
    /// Write stories and upload images (writers).
    #[serde(rename = "article.create")]
    WriteArticle,
    /// Publish stories (writers).
    #[serde(rename = "article.publish")]
    PublishArticle,
    /// Hide and delete anyone's comments (staff).
    #[serde(rename = "comment.moderate")]
    ModerateComments,
    /// Edit, unpublish and delete anyone's stories (staff).
    #[serde(rename = "article.moderate")]
    ModerateArticles,
    /// Promote travellers to writers (staff).
    #[serde(rename = "user.promote")]
    PromoteUsers,
    /// Deactivate and reactivate accounts (staff).
    #[serde(rename = "user.manage")]
    ManageUsers,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::RateArticle,
        Permission::Comment,
        Permission::WriteArticle,
        Permission::PublishArticle,
        Permission::ModerateComments,
        Permission::ModerateArticles,
        Permission::PromoteUsers,
        Permission::ManageUsers,
    ];

    /// The codename stored in the `permissions` table.
    pub const fn codename(self) -> &'static str {
        match self {
            Permission::RateArticle => "rating.create",
            Permission::Comment => "comment.create",
            Permission::WriteArticle => "article.create",
            Permission::PublishArticle => "article.publish",
            Permission::ModerateComments => "comment.moderate",
            Permission::ModerateArticles => "article.moderate",
            Permission::PromoteUsers => "user.promote",
            Permission::ManageUsers => "user.manage",
        }
    }

    /// The permission a stored codename names; `None` for one this build doesn't know.
    pub fn from_codename(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.codename() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codenames_round_trip_and_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for permission in Permission::ALL {
            assert_eq!(
                Permission::from_codename(permission.codename()),
                Some(permission)
            );
            assert!(seen.insert(permission.codename()));
        }
        assert_eq!(Permission::from_codename("article.destroy"), None);
        assert_eq!(
            serde_json::to_string(&Permission::Comment).unwrap(),
            "\"comment.create\""
        );
    }
}
