//! The article renderer against an XSS corpus (OWASP filter-evasion style): no payload may
//! leave an executable script, event handler or script URL behind.

use waypost::articles::server::render::{render_article, render_comment};

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"https://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=//xss.example/.j>",
    "<iframe src=http://xss.example/scriptlet.html <",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.example/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+\" AllowScriptAccess=\"always\"></EMBED>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<form action=\"javascript:alert(1)\"><button formaction=javascript:alert(1)>x</button></form>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<base href=\"javascript:alert(1)//\">",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<div id=\"x\" class=\"a\" onclick=\"alert(1)\">x</div>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<h2 id=\"x\" onclick=\"alert(1)\">h</h2>",
    "- [x] <input type=text onfocus=alert(1) autofocus>",
];

/// The text of every real tag in `html` (escaped text like `&lt;img …&gt;` is not a tag).
fn tags(html: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start..];
        let end = after.find('>').map_or(after.len(), |i| i + 1);
        tags.push(after[..end].to_ascii_lowercase());
        rest = &after[end..];
    }
    tags
}

fn assert_inert(html: &str, payload: &str) {
    for tag in tags(html) {
        for element in [
            "<script", "<iframe", "<object", "<embed", "<svg", "<math", "<style", "<link", "<meta",
            "<base", "<form", "<frame", "<body",
        ] {
            assert!(
                !tag.starts_with(element),
                "{element} survived {payload:?}: {html}"
            );
        }
        // Entities are decoded by the browser inside attributes: check the decoded-ish form too.
        let decoded = tag
            .replace("&#x6a;", "j")
            .replace("&#106;", "j")
            .replace("&#58;", ":");
        for needle in [
            "javascript:",
            "vbscript:",
            "data:text/html",
            "style=",
            "srcdoc=",
            "formaction=",
            "background=",
            "dynsrc=",
        ] {
            assert!(
                !decoded.contains(needle),
                "{needle} survived {payload:?} in {tag}"
            );
        }
        // No event handler attribute: whitespace or quote, then on…=.
        let bytes: Vec<char> = tag.chars().collect();
        for i in 1..bytes.len() {
            if (bytes[i - 1].is_whitespace() || bytes[i - 1] == '"' || bytes[i - 1] == '/')
                && tag[tag.char_indices().nth(i).map_or(0, |(p, _)| p)..].starts_with("on")
            {
                let name: String = bytes[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let after: String = bytes[i + name.len()..].iter().collect();
                assert!(
                    !after.trim_start().starts_with('='),
                    "event handler {name} survived {payload:?}: {tag}"
                );
            }
        }
    }
}

#[test]
fn no_payload_survives_the_article_renderer() {
    for payload in PAYLOADS {
        assert_inert(&render_article(payload).html, payload);
        // Inside surrounding Markdown too.
        assert_inert(
            &render_article(&format!("# Title\n\nSome *text* {payload} more.\n")).html,
            payload,
        );
    }
}

#[test]
fn no_payload_survives_the_comment_renderer() {
    for payload in PAYLOADS {
        assert_inert(&render_comment(payload), payload);
    }
}

#[test]
fn ordinary_markup_is_kept() {
    let html = render_article(
        "A [link](https://example.com) and ![a llama](https://img.example/llama.jpg \"Llama\")",
    )
    .html;
    assert!(
        html.contains(
            "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow ugc\">link</a>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<img src=\"https://img.example/llama.jpg\" alt=\"a llama\" title=\"Llama\" loading=\"lazy\">"
        ),
        "{html}"
    );
}

#[test]
#[should_panic(expected = "event handler onerror survived")]
fn the_checker_itself_catches_a_handler() {
    assert_inert("<p><img src=x onerror=alert(1)></p>", "self-test");
}

#[test]
#[should_panic(expected = "javascript: survived")]
fn the_checker_itself_catches_a_script_url() {
    assert_inert("<a href=\"javascript:alert(1)\">x</a>", "self-test");
}
