//! Markdown → safe HTML: pulldown-cmark (tables, footnotes, strikethrough, task lists), heading
//! anchors and a table of contents, server-side syntax highlighting (syntect, CSS classes so
//! the CSP needs no inline styles), then ammonia. Nothing that can run script survives.

use crate::articles::model::TocEntry;
use crate::text::escape_markup as escape;
use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub reading_minutes: i32,
}

const WORDS_PER_MINUTE: usize = 220;
const HIGHLIGHT_PREFIX: &str = "hl-";
/// Code blocks larger than this are shown plain: highlighting is not worth the CPU.
const MAX_HIGHLIGHT_BYTES: usize = 64 * 1024;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders an article body.
pub fn render_article(markdown: &str) -> Rendered {
    let mut toc = Vec::new();
    let mut used_ids = HashSet::new();
    let mut events: Vec<Event> = Vec::new();
    let mut heading: Option<(HeadingLevel, Vec<Event>)> = None;
    let mut code: Option<(String, String)> = None;
    let mut image: Option<(String, String, String)> = None;

    for event in Parser::new_ext(markdown, options()) {
        if let Some((_, buffer)) = code.as_mut() {
            match event {
                Event::Text(text) => buffer.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, text) = code.take().unwrap_or_default();
                    events.push(Event::Html(CowStr::from(highlight(&lang, &text))));
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, _, alt)) = image.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let (src, title, alt) = image.take().unwrap_or_default();
                    push_event(
                        &mut events,
                        &mut heading,
                        Event::Html(CowStr::from(image_html(&src, &title, &alt))),
                    );
                }
                Event::Text(text) | Event::Code(text) => alt.push_str(&text),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                image = Some((dest_url.to_string(), title.to_string(), String::new()));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, Vec::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, inner)) = heading.take() {
                    let text = plain_text(&inner);
                    let id = unique_id(&text, &mut used_ids);
                    let n = level as u8;
                    if (2..=3).contains(&n) && !text.is_empty() {
                        toc.push(TocEntry {
                            level: n,
                            id: id.clone(),
                            text,
                        });
                    }
                    events.push(Event::Html(CowStr::from(format!("<h{n} id=\"{id}\">"))));
                    events.extend(inner);
                    events.push(Event::Html(CowStr::from(format!("</h{n}>\n"))));
                }
            }
            other => push_event(&mut events, &mut heading, other),
        }
    }
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    let words = markdown.split_whitespace().count();
    Rendered {
        html: ARTICLE_SANITIZER.clean(&raw).to_string(),
        toc,
        reading_minutes: words.div_ceil(WORDS_PER_MINUTE).max(1) as i32,
    }
}

fn push_event<'a>(
    events: &mut Vec<Event<'a>>,
    heading: &mut Option<(HeadingLevel, Vec<Event<'a>>)>,
    event: Event<'a>,
) {
    match heading.as_mut() {
        Some((_, inner)) => inner.push(event),
        None => events.push(event),
    }
}

/// Our uploads are stored at several widths (`…-480.jpg`, `…-960.jpg`, `…-1600.jpg`): give the
/// browser all of them. Other images are left as they are. Lazy-loaded either way.
fn image_html(src: &str, title: &str, alt: &str) -> String {
    let mut html = format!("<img src=\"{}\" alt=\"{}\"", escape(src), escape(alt));
    if !title.is_empty() {
        html.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    if let Some(srcset) = upload_srcset(src) {
        html.push_str(&format!(
            " srcset=\"{}\" sizes=\"(min-width: 48rem) 48rem, 100vw\"",
            escape(&srcset)
        ));
    }
    html.push_str(" loading=\"lazy\">");
    html
}

fn upload_srcset(src: &str) -> Option<String> {
    if !(src.starts_with("/media/") || src.starts_with("https://")) {
        return None;
    }
    let (stem, extension) = src.rsplit_once('.')?;
    if !matches!(extension, "jpg" | "png") {
        return None;
    }
    let base = stem.strip_suffix("-960")?;
    Some(
        crate::media::process::WIDTHS
            .iter()
            .map(|w| format!("{base}-{w}.{extension} {w}w"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Renders a comment: the same pipeline with a smaller set of tags (no images or headings).
pub fn render_comment(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::new();
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    COMMENT_SANITIZER.clean(&raw).to_string()
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_owned()
}

fn unique_id(text: &str, used: &mut HashSet<String>) -> String {
    let mut base = slug::slugify(text);
    base.truncate(60);
    let base = if base.is_empty() {
        "section".to_owned()
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

fn highlight(lang: &str, code: &str) -> String {
    let syntax = (!lang.is_empty() && code.len() <= MAX_HIGHLIGHT_BYTES)
        .then(|| SYNTAXES.find_syntax_by_token(lang))
        .flatten();
    let lang_class: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect();
    let body = match syntax {
        Some(syntax) => {
            let mut generator = ClassedHTMLGenerator::new_with_class_style(
                syntax,
                &SYNTAXES,
                ClassStyle::SpacedPrefixed {
                    prefix: HIGHLIGHT_PREFIX,
                },
            );
            let ok = LinesWithEndings::from(code).all(|line| {
                generator
                    .parse_html_for_line_which_includes_newline(line)
                    .is_ok()
            });
            if ok {
                generator.finalize()
            } else {
                escape(code)
            }
        }
        None => escape(code),
    };
    if lang_class.is_empty() {
        format!("<pre class=\"hl-code\"><code>{body}</code></pre>\n")
    } else {
        format!(
            "<pre class=\"hl-code\"><code class=\"language-{lang_class}\">{body}</code></pre>\n"
        )
    }
}

/// Keeps only class tokens we generate ourselves; drops the attribute if none remain.
fn filter_classes(value: &str) -> Option<Cow<'_, str>> {
    const EXACT: &[&str] = &[
        "footnote-definition",
        "footnote-reference",
        "footnote-definition-label",
        "hl-code",
    ];
    let kept: Vec<&str> = value
        .split_whitespace()
        .filter(|token| {
            let known = token.starts_with(HIGHLIGHT_PREFIX)
                || token.starts_with("language-")
                || EXACT.contains(token);
            known
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect();
    (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
}

fn is_safe_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 80
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn base_sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        .strip_comments(true);
    builder
}

static ARTICLE_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = base_sanitizer();
    builder
        .add_tags([
            "figure",
            "figcaption",
            "input",
            "section",
            "details",
            "summary",
        ])
        .add_tag_attributes("img", ["width", "height", "loading", "srcset", "sizes"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("pre", ["class"])
        .add_tag_attributes("div", ["class", "id"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "class") => filter_classes(value),
            (_, "id") => is_safe_id(value).then_some(Cow::Borrowed(value)),
            // Task-list checkboxes only, and never interactive.
            ("input", "type") => (value == "checkbox").then_some(Cow::Borrowed(value)),
            ("input", "disabled") => Some(Cow::Borrowed("")),
            ("img", "loading") => {
                (value == "lazy" || value == "eager").then_some(Cow::Borrowed(value))
            }
            _ => Some(Cow::Borrowed(value)),
        });
    builder
});

static COMMENT_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = base_sanitizer();
    builder.rm_tags([
        "img", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
        "hr",
    ]);
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_anchors_and_a_toc() {
        let out = render_article(
            "# Title\n\n## Getting there\n\ntext\n\n### By *bus*\n\n## Getting there\n",
        );
        assert!(
            out.html
                .contains("<h2 id=\"getting-there\">Getting there</h2>"),
            "{}",
            out.html
        );
        assert!(
            out.html.contains("<h3 id=\"by-bus\">By <em>bus</em></h3>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("id=\"getting-there-2\""));
        let ids: Vec<_> = out.toc.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["getting-there", "by-bus", "getting-there-2"]);
    }

    #[test]
    fn extensions_render() {
        let out = render_article("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] packed\n- [ ] booked\n\nNote[^1].\n\n[^1]: A footnote.\n");
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("<del>gone</del>"));
        assert!(out.html.contains("type=\"checkbox\""));
        assert!(out.html.contains("checked"));
        assert!(
            out.html.contains("class=\"footnote-reference\""),
            "{}",
            out.html
        );
    }

    #[test]
    fn code_is_highlighted_with_classes() {
        let out = render_article("```rust\nfn main() { let x = \"<b>\"; }\n```\n");
        assert!(
            out.html
                .contains("<pre class=\"hl-code\"><code class=\"language-rust\">"),
            "{}",
            out.html
        );
        assert!(out.html.contains("class=\"hl-"), "{}", out.html);
        assert!(out.html.contains("&lt;b&gt;"));
        assert!(!out.html.contains("style="));
    }

    #[test]
    fn uploaded_images_get_a_srcset() {
        let out = render_article(
            "![A llama](/media/2026/11/ab12-960.jpg)\n\n![x](https://e.example/photo.jpg)",
        );
        assert!(out.html.contains("srcset=\"/media/2026/11/ab12-480.jpg 480w, /media/2026/11/ab12-960.jpg 960w, /media/2026/11/ab12-1600.jpg 1600w\""), "{}", out.html);
        assert!(out.html.contains("alt=\"A llama\""));
        assert_eq!(out.html.matches("srcset").count(), 1);
        assert!(upload_srcset("javascript:x-960.jpg").is_none());
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(
            render_article("word ".repeat(221).as_str()).reading_minutes,
            2
        );
        assert_eq!(render_article("").reading_minutes, 1);
    }

    #[test]
    fn comments_lose_images_and_headings() {
        let html = render_comment("# Big\n\n![x](https://e.example/x.png) **bold**");
        assert!(!html.contains("<h1") && !html.contains("<img"), "{html}");
        assert!(html.contains("<strong>bold</strong>"));
    }
}
