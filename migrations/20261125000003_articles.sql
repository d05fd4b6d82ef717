-- Articles with co-authors, tags, slug history and full-text search.

CREATE TABLE articles (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            TEXT        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title           TEXT        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary         TEXT        NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
    body_md         TEXT        NOT NULL DEFAULT '' CHECK (length(body_md) <= 200000),
    -- Rendered and sanitized on save; pages never render Markdown per request.
    body_html       TEXT        NOT NULL DEFAULT '',
    toc             JSONB       NOT NULL DEFAULT '[]',
    reading_minutes INT         NOT NULL DEFAULT 1,
    cover_image     TEXT        CHECK (length(cover_image) <= 500),
    cover_alt       TEXT        NOT NULL DEFAULT '' CHECK (length(cover_alt) <= 300),
    status          TEXT        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_at    TIMESTAMPTZ,
    owner_id        BIGINT      NOT NULL REFERENCES users (id),
    -- Denormalized from the authors' profiles for sorting and search (kept in sync on save
    -- and on profile edits): the first author's name, and every author's name.
    sort_author     TEXT        NOT NULL DEFAULT '',
    author_names    TEXT        NOT NULL DEFAULT '',
    -- [{username, name}, …] in byline order, so a list row needs no join.
    authors         JSONB       NOT NULL DEFAULT '[]',
    -- Engagement aggregates kept on the row so lists never aggregate per request.
    rating_sum      BIGINT      NOT NULL DEFAULT 0,
    rating_count    BIGINT      NOT NULL DEFAULT 0,
    comment_count   BIGINT      NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    search          TSVECTOR GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', title), 'A')
                     || setweight(to_tsvector('english', summary), 'B')
                     || setweight(to_tsvector('english', author_names), 'B')
                     || setweight(to_tsvector('english', body_md), 'C')
                    ) STORED,
    -- Title, summary and authors only: strong matches, found without reading bodies.
    search_head     TSVECTOR GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', title), 'A')
                     || setweight(to_tsvector('english', summary), 'B')
                     || setweight(to_tsvector('english', author_names), 'B')
                    ) STORED,
    CHECK (status = 'draft' OR published_at IS NOT NULL)
);

-- One index per ORDER BY the index page offers, all restricted to published rows.
CREATE INDEX articles_published_date_idx ON articles (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_published_author_idx ON articles (lower(sort_author), published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_published_rating_idx ON articles ((rating_sum::float8 / GREATEST(rating_count, 1)) DESC, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_search_idx ON articles USING GIN (search);
CREATE INDEX articles_search_head_idx ON articles USING GIN (search_head);
CREATE INDEX articles_owner_idx ON articles (owner_id);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position   INT    NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, user_id)
);
CREATE INDEX article_authors_user_idx ON article_authors (user_id, article_id);

-- Old slugs keep working after a rename (301 to the current one).
CREATE TABLE article_slug_history (
    slug       TEXT   PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);

CREATE TABLE tags (
    id   INT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name TEXT NOT NULL
);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INT    NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);

-- Site-wide counters kept exact by statement-level triggers, so the index page never
-- counts 10,000 rows to know how many pages it has.
CREATE TABLE site_counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO site_counters (name, value) VALUES ('published_articles', 0);

CREATE FUNCTION count_published_articles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta BIGINT := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        delta := delta + (SELECT count(*) FROM new_rows WHERE status = 'published');
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        delta := delta - (SELECT count(*) FROM old_rows WHERE status = 'published');
    END IF;
    IF delta <> 0 THEN
        UPDATE site_counters SET value = value + delta WHERE name = 'published_articles';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_count_insert AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_published_articles();
CREATE TRIGGER articles_count_update AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_published_articles();
CREATE TRIGGER articles_count_delete AFTER DELETE ON articles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_published_articles();
