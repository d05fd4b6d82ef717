//! The subscription e-mails: the double opt-in confirmation, a new story, the weekly digest.
//! Plain text and HTML, absolute links from `SITE_URL`, no tracking pixels, no rewritten
//! links; story e-mails carry RFC 8058 one-click unsubscribe headers and a visible link.

use super::repo::{MailedStory, Recipient};
use crate::mail::Email;
use crate::text::escape_markup as escape;

/// Links in one subscriber's e-mails.
pub struct Links {
    pub site: String,
    pub unsubscribe: String,
}

impl Links {
    pub fn new(site: &str, token: &str) -> Self {
        Links {
            site: site.trim_end_matches('/').to_owned(),
            unsubscribe: format!("{}/email/unsubscribe/{token}", site.trim_end_matches('/')),
        }
    }

    fn story(&self, story: &MailedStory) -> String {
        format!("{}/articles/{}", self.site, story.slug)
    }

    /// Covers are our own media (a path) or https addresses.
    fn cover(&self, story: &MailedStory) -> Option<String> {
        let cover = story.cover_image.as_deref()?;
        Some(if cover.starts_with('/') {
            format!("{}{cover}", self.site)
        } else {
            cover.to_owned()
        })
    }
}

/// Readable in light and dark mail clients: no forced backgrounds; a dark palette where the
/// client supports `prefers-color-scheme`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <meta name=\"supported-color-schemes\" content=\"light dark\">\
         <title>{title}</title>\
         <style>@media (prefers-color-scheme: dark) {{ body {{ background:#15171a !important; color:#e8e6e3 !important }} \
         a {{ color:#7fd6b0 !important }} a.button {{ background:#7fd6b0 !important; color:#0b1f17 !important }} \
         .muted {{ color:#a3a9b1 !important }} }}</style></head>\
         <body style=\"margin:0 auto;padding:24px;max-width:600px;font-family:Georgia,'Times New Roman',serif;color:#15171a;line-height:1.6\">\
         {body}</body></html>",
        title = escape(title),
    )
}

fn button(label: &str, url: &str) -> String {
    format!(
        "<p style=\"margin:24px 0\"><a class=\"button\" href=\"{url}\" style=\"display:inline-block;background:#0b6e4f;color:#ffffff;padding:12px 22px;border-radius:999px;text-decoration:none;font-family:system-ui,sans-serif;font-weight:600\">{label}</a></p>",
        url = escape(url),
        label = escape(label),
    )
}

fn footer(links: &Links, why: &str) -> String {
    format!(
        "<hr style=\"border:0;border-top:1px solid #d5d9de;margin:32px 0 16px\">\
         <p class=\"muted\" style=\"font-family:system-ui,sans-serif;font-size:13px;color:#5f6670\">{why} \
         <a href=\"{unsubscribe}\" style=\"color:inherit\">Unsubscribe</a> (one click, no sign-in) \
         or manage your subscriptions on <a href=\"{site}/account\" style=\"color:inherit\">your account</a>.</p>",
        why = escape(why),
        unsubscribe = escape(&links.unsubscribe),
        site = escape(&links.site),
    )
}

const WHY: &str = "You get this because you subscribed to Waypost stories by e-mail.";

fn text_footer(links: &Links) -> String {
    format!(
        "\n\n-- \n{WHY}\nUnsubscribe (one click): {}\nManage your subscriptions: {}/account\n",
        links.unsubscribe, links.site
    )
}

/// A story's first publication, to one subscriber. The key makes it once per subscriber.
pub fn new_story(story: &MailedStory, recipient: &Recipient, site: &str) -> Email {
    let links = Links::new(site, &recipient.token);
    let url = links.story(story);
    let cover = links
        .cover(story)
        .map(|src| {
            format!(
                "<p><img src=\"{}\" alt=\"{}\" width=\"600\" style=\"max-width:100%;height:auto;border-radius:8px\"></p>",
                escape(&src),
                escape(&story.cover_alt)
            )
        })
        .unwrap_or_default();
    let byline = if story.byline.is_empty() {
        "A Waypost writer".to_owned()
    } else {
        story.byline.clone()
    };
    let body = format!(
        "<p class=\"muted\" style=\"font-family:system-ui,sans-serif;font-size:14px;color:#5f6670;margin:0 0 8px\">New on Waypost from {byline}</p>\
         <h1 style=\"font-size:28px;line-height:1.25;margin:0 0 16px\"><a href=\"{url}\" style=\"color:inherit;text-decoration:none\">{title}</a></h1>\
         {cover}<p style=\"font-size:18px\">{summary}</p>{button}{footer}",
        byline = escape(&byline),
        url = escape(&url),
        title = escape(&story.title),
        summary = escape(&story.summary),
        button = button("Read the story", &url),
        footer = footer(&links, WHY),
    );
    let mut text = format!("New on Waypost from {byline}\n\n{}\n", story.title);
    if !story.summary.is_empty() {
        text.push_str(&format!("\n{}\n", story.summary));
    }
    text.push_str(&format!("\nRead the story: {url}"));
    text.push_str(&text_footer(&links));
    Email {
        key: format!("story-{}-sub-{}", story.id, recipient.id),
        to: recipient.email.clone(),
        subject: story.title.clone(),
        html: page(&story.title, &body),
        text,
        list_unsubscribe: Some(links.unsubscribe),
        campaign: Some(campaign_of_story(story.id)),
    }
}

/// The campaign a story's e-mails are counted under.
pub fn campaign_of_story(article_id: i64) -> String {
    format!("story-{article_id}")
}

/// The week's new stories, to one digest subscriber. `period`: the digest's id (Unix time).
pub fn digest(
    period: i64,
    week_of: &str,
    stories: &[&MailedStory],
    recipient: &Recipient,
    site: &str,
) -> Email {
    let links = Links::new(site, &recipient.token);
    let subject = match stories {
        [one] => format!("This week on Waypost: {}", one.title),
        _ => format!("This week on Waypost: {} new stories", stories.len()),
    };
    let mut body = format!(
        "<p class=\"muted\" style=\"font-family:system-ui,sans-serif;font-size:14px;color:#5f6670\">Your weekly digest · week of {}</p>",
        escape(week_of)
    );
    let mut text = format!("Your weekly Waypost digest, week of {week_of}\n");
    for story in stories {
        let url = links.story(story);
        body.push_str(&format!(
            "<h2 style=\"font-size:22px;line-height:1.3;margin:28px 0 4px\"><a href=\"{url}\" style=\"color:inherit\">{title}</a></h2>\
             <p class=\"muted\" style=\"font-family:system-ui,sans-serif;font-size:14px;color:#5f6670;margin:0 0 8px\">{byline}</p>\
             <p style=\"margin:0 0 8px\">{summary}</p>",
            url = escape(&url),
            title = escape(&story.title),
            byline = escape(&story.byline),
            summary = escape(&story.summary),
        ));
        text.push_str(&format!(
            "\n{}\n{}\n{}\n{url}\n",
            story.title, story.byline, story.summary
        ));
    }
    body.push_str(&footer(&links, WHY));
    text.push_str(&text_footer(&links));
    Email {
        key: format!("digest-{period}-sub-{}", recipient.id),
        to: recipient.email.clone(),
        subject: subject.clone(),
        html: page(&subject, &body),
        text,
        list_unsubscribe: Some(links.unsubscribe),
        campaign: Some(format!("digest-{period}")),
    }
}

/// Double opt-in: nothing is sent to the address before this link is opened.
pub fn confirm(key: String, to: &str, token: &str, scope: &str, site: &str) -> Email {
    let links = Links::new(site, token);
    let confirm = format!("{}/email/confirm/{token}", links.site);
    let subject = "Confirm your Waypost subscription";
    let body = format!(
        "<h1 style=\"font-size:24px\">{subject}</h1>\
         <p>Someone (hopefully you) asked to receive {scope} by e-mail at this address.</p>\
         <p>Nothing will be sent until you confirm. If it wasn't you, ignore this e-mail.</p>{button}\
         <p class=\"muted\" style=\"font-family:system-ui,sans-serif;font-size:13px;color:#5f6670\">Or paste this address into your browser: {plain}</p>",
        scope = escape(scope),
        button = button("Confirm my subscription", &confirm),
        plain = escape(&confirm),
    );
    Email {
        key,
        to: to.to_owned(),
        subject: subject.to_owned(),
        html: page(subject, &body),
        text: format!(
            "Someone (hopefully you) asked to receive {scope} by e-mail at this address.\n\n\
             Nothing will be sent until you confirm. If it wasn't you, ignore this e-mail.\n\n\
             Confirm my subscription: {confirm}\n"
        ),
        ..Email::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story() -> MailedStory {
        MailedStory {
            id: 7,
            slug: "lisbon-at-dawn".into(),
            title: "Lisbon <at> dawn".into(),
            summary: "Trams & light.".into(),
            cover_image: Some("/media/covers/x.jpg".into()),
            cover_alt: "A tram".into(),
            byline: "Ana".into(),
        }
    }

    #[test]
    fn a_story_email_links_back_and_unsubscribes_in_one_click() {
        let recipient = Recipient {
            id: 3,
            email: "reader@example.com".into(),
            token: "tok".into(),
        };
        let mail = new_story(&story(), &recipient, "https://blog.example/");
        assert_eq!(mail.key, "story-7-sub-3");
        assert_eq!(
            mail.list_unsubscribe.as_deref(),
            Some("https://blog.example/email/unsubscribe/tok")
        );
        assert!(mail
            .html
            .contains("https://blog.example/articles/lisbon-at-dawn"));
        assert!(mail
            .html
            .contains("src=\"https://blog.example/media/covers/x.jpg\""));
        assert!(mail.html.contains("Lisbon &lt;at&gt; dawn"));
        assert!(mail
            .text
            .contains("Unsubscribe (one click): https://blog.example/email/unsubscribe/tok"));
        assert!(!mail.html.contains("<img src=\"https://blog.example/track"));
    }
}
