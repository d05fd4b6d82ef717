//! `/feed.xml` (RSS 2.0, latest 20), `/sitemap.xml` and `/robots.txt`.

use crate::articles::server::repo;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const FEED_SIZE: i64 = 20;
const SITEMAP_SIZE: i64 = 50_000;

use crate::text::escape_markup as xml_escape;

fn xml(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn rss(State(state): State<AppState>) -> Result<Response, crate::error::AppError> {
    let items = repo::latest_for_feed(&state.pool, FEED_SIZE).await?;
    let site = &state.config.site_url;
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:georss=\"http://www.georss.org/georss\">\n<channel>\n\
         <title>Waypost</title>\n<link>{site}/</link>\n<description>Travel stories from writers on the road.</description>\n\
         <language>en</language>\n<atom:link href=\"{site}/feed.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n"
    );
    if let Some(first) = items.first() {
        body.push_str(&format!(
            "<lastBuildDate>{}</lastBuildDate>\n",
            first.published_rfc2822
        ));
    }
    for item in &items {
        let link = format!("{site}/articles/{}", item.slug);
        body.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{link}</link>\n<guid isPermaLink=\"true\">{link}</guid>\n\
             <pubDate>{}</pubDate>\n<description>{}</description>\n",
            xml_escape(&item.title),
            item.published_rfc2822,
            xml_escape(&item.summary),
        ));
        // Where the story happens (its first place), for map-aware readers.
        if let (Some(lat), Some(lon)) = (item.lat, item.lon) {
            body.push_str(&format!("<georss:point>{lat:.4} {lon:.4}</georss:point>\n"));
        }
        body.push_str("</item>\n");
    }
    body.push_str("</channel>\n</rss>\n");
    Ok((
        [
            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response())
}

pub async fn sitemap(State(state): State<AppState>) -> Result<Response, crate::error::AppError> {
    let items = repo::latest_for_feed(&state.pool, SITEMAP_SIZE).await?;
    let site = &state.config.site_url;
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
         <url><loc>{site}/</loc></url>\n<url><loc>{site}/writers</loc></url>\n"
    );
    for item in &items {
        body.push_str(&format!(
            "<url><loc>{site}/articles/{}</loc><lastmod>{}</lastmod></url>\n",
            xml_escape(&item.slug),
            item.updated_iso
        ));
    }
    // Place pages: each country with stories, each place.
    let places = crate::places::server::repo::places_with_stories(&state.pool, None).await?;
    let mut countries = std::collections::BTreeSet::new();
    for place in places.iter().map(crate::places::server::place_ref) {
        countries.insert(place.country_href.clone());
        body.push_str(&format!(
            "<url><loc>{site}{}</loc></url>\n",
            xml_escape(&place.href)
        ));
    }
    body.push_str(&format!("<url><loc>{site}/places</loc></url>\n"));
    for href in countries {
        body.push_str(&format!(
            "<url><loc>{site}{}</loc></url>\n",
            xml_escape(&href)
        ));
    }
    body.push_str("</urlset>\n");
    Ok(xml(body))
}

pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /account\nDisallow: /sfn/\nDisallow: /search\nDisallow: /articles/new\n\nSitemap: {}/sitemap.xml\n",
        state.config.site_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_xml() {
        assert_eq!(
            super::xml_escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&#39;"
        );
    }
}
