//! The e-mails Waypost sends, each as plain text and HTML (values escaped).

use super::Email;
use crate::text::escape_markup as escape;

fn layout(
    title: &str,
    paragraphs: &[String],
    action: Option<(&str, &str)>,
    footer: &str,
) -> String {
    let mut body = String::new();
    for paragraph in paragraphs {
        body.push_str(&format!(
            "<p style=\"margin:0 0 16px\">{}</p>",
            escape(paragraph)
        ));
    }
    if let Some((label, url)) = action {
        body.push_str(&format!(
            "<p style=\"margin:24px 0\"><a href=\"{url}\" style=\"background:#0b6e4f;color:#fff;padding:12px 20px;border-radius:999px;text-decoration:none;font-weight:600\">{label}</a></p>\
             <p style=\"margin:0 0 16px;color:#5f6670;font-size:14px\">Or paste this address into your browser: {url}</p>",
            url = escape(url),
            label = escape(label),
        ));
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#15171a;line-height:1.6;max-width:560px;margin:0 auto;padding:24px\">\
         <h1 style=\"font-size:22px\">{title}</h1>{body}\
         <p style=\"margin-top:32px;color:#5f6670;font-size:13px\">{footer}</p></body></html>",
        title = escape(title),
        footer = escape(footer),
    )
}

fn text(paragraphs: &[String], action: Option<(&str, &str)>, footer: &str) -> String {
    let mut out = paragraphs.join("\n\n");
    if let Some((label, url)) = action {
        out.push_str(&format!("\n\n{label}: {url}"));
    }
    out.push_str(&format!("\n\n-- \n{footer}\n"));
    out
}

fn email(
    key: String,
    to: &str,
    subject: &str,
    paragraphs: Vec<String>,
    action: Option<(&str, &str)>,
    footer: &str,
) -> Email {
    Email {
        key,
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: text(&paragraphs, action, footer),
        html: layout(subject, &paragraphs, action, footer),
        ..Email::default()
    }
}

const FOOTER: &str = "Waypost — travel stories from writers on the road.";

pub fn verify_email(key: String, to: &str, name: &str, link: &str, hours: i64) -> Email {
    email(
        key,
        to,
        "Confirm your e-mail address",
        vec![
            format!("Hi {name},"),
            "Welcome to Waypost! Please confirm this is your e-mail address, so you can rate stories and join the conversation.".to_owned(),
            format!("The link works once and expires in {hours} hours. If you didn't sign up, ignore this e-mail."),
        ],
        Some(("Confirm my address", link)),
        FOOTER,
    )
}

/// Someone signed up with an address that already has an account. The form told them to
/// check their inbox, as for a new account; this is what that inbox holds.
pub fn sign_up_attempt(
    key: String,
    to: &str,
    username: &str,
    login_link: &str,
    reset_link: &str,
) -> Email {
    email(
        key,
        to,
        "You already have a Waypost account",
        vec![
            format!("Hi {username},"),
            "Someone (hopefully you) just tried to create a Waypost account with this e-mail address, which already belongs to your account, so no new account was made.".to_owned(),
            format!("If it was you, log in as {username}. Forgot your password? Choose a new one: {reset_link}"),
            "If it wasn't you, ignore this e-mail: nothing has changed.".to_owned(),
        ],
        Some(("Log in", login_link)),
        FOOTER,
    )
}

pub fn reset_password(key: String, to: &str, name: &str, link: &str, minutes: i64) -> Email {
    email(
        key,
        to,
        "Reset your Waypost password",
        vec![
            format!("Hi {name},"),
            "Someone (hopefully you) asked to reset the password of your Waypost account.".to_owned(),
            format!("The link works once and expires in {minutes} minutes. If it wasn't you, ignore this e-mail: your password stays as it is."),
        ],
        Some(("Choose a new password", link)),
        FOOTER,
    )
}

pub fn confirm_email_change(key: String, to: &str, name: &str, link: &str, hours: i64) -> Email {
    email(
        key,
        to,
        "Confirm your new e-mail address",
        vec![
            format!("Hi {name},"),
            "You asked to use this address for your Waypost account.".to_owned(),
            format!("The link works once and expires in {hours} hours. Until you confirm, your old address stays in use."),
        ],
        Some(("Use this address", link)),
        FOOTER,
    )
}

/// Staff made the person a writer.
pub fn promoted_to_writer(key: String, to: &str, name: &str, write_link: &str) -> Email {
    email(
        key,
        to,
        "You can now publish on Waypost",
        vec![
            format!("Hi {name},"),
            "Good news: the editors made you a writer. You can now write stories, save drafts and publish them for every traveller to read.".to_owned(),
            "Choose Write in the site's menu whenever you're ready to start.".to_owned(),
        ],
        Some(("Write your first story", write_link)),
        FOOTER,
    )
}

/// A new comment, as told to one recipient.
pub struct CommentNotice<'a> {
    pub name: &'a str,
    pub commenter: &'a str,
    pub story: &'a str,
    /// A reply to the recipient's comment (otherwise a comment on their story).
    pub reply: bool,
    pub link: &'a str,
    pub settings: &'a str,
}

pub fn new_comment(key: String, to: &str, notice: &CommentNotice<'_>) -> Email {
    let CommentNotice {
        name,
        commenter,
        story,
        reply,
        link,
        settings,
    } = *notice;
    let (subject, line) = if reply {
        (
            format!("{commenter} replied to your comment"),
            format!("{commenter} replied to your comment on \u{201c}{story}\u{201d}."),
        )
    } else {
        (
            format!("New comment on \u{201c}{story}\u{201d}"),
            format!("{commenter} commented on your story \u{201c}{story}\u{201d}."),
        )
    };
    email(
        key,
        to,
        &subject,
        vec![format!("Hi {name},"), line],
        Some(("Read it", link)),
        &format!("You get these because comment notifications are on. Turn them off at {settings}"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_escaped_in_html_and_kept_in_text() {
        let mail = super::verify_email(
            "k".into(),
            "a@example.com",
            "<b>Ana</b>",
            "https://blog.example/verify?token=a&b",
            48,
        );
        assert!(mail.html.contains("&lt;b&gt;Ana&lt;/b&gt;"));
        assert!(!mail.html.contains("<b>Ana"));
        assert!(mail.html.contains("token=a&amp;b"));
        assert!(mail.text.contains("https://blog.example/verify?token=a&b"));
    }
}
