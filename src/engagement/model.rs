//! Types shared by the server and the rating/comment islands.

use serde::{Deserialize, Serialize};

pub const MIN_STARS: u8 = 1;
pub const MAX_STARS: u8 = 5;
/// Comment length limit, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Comments per thread page ("show more" loads the next one).
pub const THREAD_PAGE_SIZE: i64 = 50;

/// An article's rating as one reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub sum: i64,
    pub count: i64,
    /// The viewer's own rating.
    pub mine: Option<u8>,
}

impl RatingSummary {
    /// Mean of all ratings in tenths of a star, rounded ("4.3" is 43); `None` before the
    /// first rating. Integer arithmetic keeps float formatting out of the wasm bundle.
    pub fn average_tenths(&self) -> Option<i64> {
        (self.count > 0).then(|| (self.sum * 20 + self.count) / (2 * self.count))
    }

    /// The summary after the viewer (re)rates with `stars`, as the server will compute it.
    pub fn with_own(self, stars: u8) -> Self {
        let previous = self.mine.map(i64::from);
        RatingSummary {
            sum: self.sum + i64::from(stars) - previous.unwrap_or(0),
            count: self.count + i64::from(previous.is_none()),
            mine: Some(stars),
        }
    }

    /// "4.3 out of 5 from 12 ratings".
    pub fn describe(&self) -> String {
        match self.average_tenths() {
            None => "No ratings yet".to_owned(),
            Some(tenths) => format!(
                "{}.{} out of 5 from {} {}",
                tenths / 10,
                tenths % 10,
                self.count,
                if self.count == 1 { "rating" } else { "ratings" }
            ),
        }
    }
}

/// An article's engagement as the current reader sees it (part of the article page data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub rating: RatingSummary,
    pub rating_access: Access,
    pub viewer: Viewer,
    pub thread: ThreadPage,
    pub comment_count: i64,
}

/// Whether (and why not) the viewer may rate or comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    Allowed,
    /// Not signed in: show a "log in" link.
    Anonymous,
    /// Authors don't rate their own stories.
    OwnArticle,
    /// Signed in, but their group lacks the permission (or their account is restricted).
    NotPermitted,
    /// Signed in, but the e-mail address isn't confirmed yet (REQUIRE_VERIFIED_EMAIL).
    Unverified,
}

/// What the star control on each story card of a list offers this reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRatings {
    /// Whether the reader may rate at all (`OwnArticle` is decided per card).
    pub access: Access,
    /// The reader's username: their own stories get no control.
    pub username: Option<String>,
    /// The reader's own stars, by story slug.
    pub mine: Vec<(String, u8)>,
}

impl Default for CardRatings {
    /// An anonymous reader: every card offers stars, and choosing sends them to log in.
    fn default() -> Self {
        CardRatings {
            access: Access::Anonymous,
            username: None,
            mine: Vec::new(),
        }
    }
}

impl CardRatings {
    /// The control for a story by `authors` (usernames): `OwnArticle` for the reader's own.
    pub fn access_to<'a>(&self, mut authors: impl Iterator<Item = &'a str>) -> Access {
        match &self.username {
            Some(me) if authors.any(|a| a == me) => Access::OwnArticle,
            _ => self.access,
        }
    }

    pub fn mine_for(&self, slug: &str) -> Option<u8> {
        self.mine
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, stars)| *stars)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommentState {
    Visible,
    /// Deleted by its author or staff, kept as "[deleted]" because it has replies.
    Deleted,
    /// Hidden by a moderator; staff still see the text.
    Hidden,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentAuthor {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    /// The sort key: a comment's replies sort right after it.
    pub path: String,
    /// `None` for deleted comments and removed accounts.
    pub author: Option<CommentAuthor>,
    /// Sanitized HTML; empty when the viewer may not see the text.
    pub body_html: String,
    pub state: CommentState,
    pub posted_on: String,
    pub posted_iso: String,
    pub edited: bool,
}

/// What the comment section needs to know about the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: Option<i64>,
    pub comment: Access,
    pub moderate: bool,
}

impl Viewer {
    pub fn owns(&self, comment: &CommentView) -> bool {
        self.user_id.is_some() && comment.author.as_ref().map(|a| a.id) == self.user_id
    }
}

/// One page of a thread in tree order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub comments: Vec<CommentView>,
    /// Pass back as `after` to load the next page; `None` on the last page.
    pub next_after: Option<String>,
    /// Comments (of any state) after this page.
    pub remaining: i64,
}

/// What deleting a comment did to the thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Deletion {
    /// It had no replies and is gone.
    Removed,
    /// It has replies and stays as a placeholder.
    Placeholder(Box<CommentView>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rerating_replaces_the_previous_rating() {
        let start = RatingSummary {
            sum: 7,
            count: 2,
            mine: None,
        };
        let first = start.with_own(5);
        assert_eq!((first.sum, first.count, first.mine), (12, 3, Some(5)));
        let changed = first.with_own(2);
        assert_eq!((changed.sum, changed.count), (9, 3));
        assert_eq!(changed.average_tenths(), Some(30));
        let odd = RatingSummary {
            sum: 13,
            count: 3,
            mine: None,
        };
        assert_eq!(odd.average_tenths(), Some(43), "4.33 rounds to 4.3");
        assert_eq!(
            RatingSummary {
                sum: 9,
                count: 2,
                mine: None
            }
            .describe(),
            "4.5 out of 5 from 2 ratings"
        );
        assert_eq!(
            RatingSummary {
                sum: 29,
                count: 6,
                mine: None
            }
            .average_tenths(),
            Some(48),
            "4.83 rounds up"
        );
        assert_eq!(changed.describe(), "3.0 out of 5 from 3 ratings");
        assert_eq!(
            RatingSummary {
                sum: 0,
                count: 0,
                mine: None
            }
            .describe(),
            "No ratings yet"
        );
    }
}

/// Adds (or replaces, by id) comments in a loaded thread and restores thread order.
pub fn merge_comments(list: &mut Vec<CommentView>, incoming: Vec<CommentView>) {
    for comment in incoming {
        match list.iter_mut().find(|c| c.id == comment.id) {
            Some(existing) => *existing = comment,
            None => list.push(comment),
        }
    }
    list.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Removes a deleted comment, and the "[deleted]" placeholders above it that now have no
/// replies left (the server does the same).
pub fn remove_comment(list: &mut Vec<CommentView>, id: i64) {
    let mut next = Some(id);
    let mut first = true;
    while let Some(id) = next.take() {
        let Some(index) = list.iter().position(|c| c.id == id) else {
            break;
        };
        let removable = first
            || (list[index].state == CommentState::Deleted
                && !list.iter().any(|c| c.parent_id == Some(id)));
        if !removable {
            break;
        }
        first = false;
        next = list.remove(index).parent_id;
    }
}

#[cfg(test)]
mod thread_tests {
    use super::*;

    fn comment(id: i64, parent: Option<i64>, path: &str, state: CommentState) -> CommentView {
        CommentView {
            id,
            parent_id: parent,
            depth: (path.len() / 2) as i32 - 1,
            path: path.to_owned(),
            author: None,
            body_html: String::new(),
            state,
            posted_on: String::new(),
            posted_iso: String::new(),
            edited: false,
        }
    }

    #[test]
    fn merged_replies_land_under_their_parent() {
        let mut list = vec![
            comment(1, None, "11", CommentState::Visible),
            comment(2, None, "12", CommentState::Visible),
        ];
        merge_comments(
            &mut list,
            vec![comment(3, Some(1), "1113", CommentState::Visible)],
        );
        let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
        assert_eq!(ids, [1, 3, 2]);
        // Merging the same comment again replaces it.
        let mut edited = comment(3, Some(1), "1113", CommentState::Visible);
        edited.edited = true;
        merge_comments(&mut list, vec![edited]);
        assert_eq!(list.len(), 3);
        assert!(list[1].edited);
    }

    #[test]
    fn removing_the_last_reply_of_a_placeholder_removes_it_too() {
        let mut list = vec![
            comment(1, None, "11", CommentState::Visible),
            comment(2, Some(1), "1112", CommentState::Deleted),
            comment(3, Some(2), "111213", CommentState::Visible),
            comment(4, None, "14", CommentState::Deleted),
            comment(5, Some(4), "1415", CommentState::Visible),
            comment(6, Some(4), "1416", CommentState::Visible),
        ];
        remove_comment(&mut list, 3);
        assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 4, 5, 6]);
        remove_comment(&mut list, 5);
        assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 4, 6]);
    }
}
