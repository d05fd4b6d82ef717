//! Records from the domains' read queries, shaped as the RealWorld API wants them.

use super::model::{Article, ArticleSummary, Comment, Place, Profile};
use crate::articles::server::repo::api_view::ArticleRecord;
use crate::engagement::server::flat_comments::CommentRecord;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Profiles keep "" for "no bio"; the API says `null`. Uploaded pictures get the site's
/// address so clients elsewhere can load them.
pub fn profile(
    site_url: &str,
    username: String,
    bio: String,
    image: Option<String>,
    following: bool,
) -> Profile {
    Profile {
        username,
        bio: (!bio.is_empty()).then_some(bio),
        image: image.filter(|i| !i.is_empty()).map(|i| {
            if i.starts_with('/') {
                format!("{site_url}{i}")
            } else {
                i
            }
        }),
        following,
    }
}

impl ArticleRecord {
    fn author(&self, site_url: &str) -> Profile {
        profile(
            site_url,
            self.author_username.clone(),
            self.author_bio.clone(),
            self.author_image.clone(),
            self.author_following,
        )
    }

    pub fn into_article(self, site_url: &str, places: Vec<Place>) -> Article {
        let author = self.author(site_url);
        Article {
            slug: self.slug,
            title: self.title,
            description: self.summary,
            body: self.body_md,
            tag_list: self.tags,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.updated_at),
            favorited: self.favorited,
            favorites_count: self.favorite_count,
            author,
            places,
        }
    }

    pub fn into_summary(self, site_url: &str) -> ArticleSummary {
        let author = self.author(site_url);
        ArticleSummary {
            slug: self.slug,
            title: self.title,
            description: self.summary,
            tag_list: self.tags,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.updated_at),
            favorited: self.favorited,
            favorites_count: self.favorite_count,
            author,
        }
    }
}

impl CommentRecord {
    pub fn into_comment(self, site_url: &str) -> Comment {
        Comment {
            id: self.id,
            created_at: timestamp(self.created_at),
            updated_at: timestamp(self.edited_at.unwrap_or(self.created_at)),
            body: self.body_md,
            author: profile(
                site_url,
                self.username,
                self.bio,
                self.avatar_url,
                self.following,
            ),
        }
    }
}
