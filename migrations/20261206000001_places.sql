-- Places: where stories happen. A place is a GeoNames gazetteer entry (the gazetteer ships in
-- the binary; a row is made the first time a story uses it) or a writer's own named pin.

CREATE TABLE places (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    country_code TEXT NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    slug         TEXT NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The GeoNames id of a gazetteer place; NULL for a writer's pin.
    geonames_id  BIGINT UNIQUE,
    lat          DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon          DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    -- Published stories here, kept by the triggers below so maps never aggregate per request.
    story_count  INT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT places_country_slug_key UNIQUE (country_code, slug)
);
-- "Nearby": a bounding box on latitude, then exact distances on the few rows inside it.
CREATE INDEX places_lat_idx ON places (lat, lon) WHERE story_count > 0;
CREATE INDEX places_country_idx ON places (country_code, story_count DESC) WHERE story_count > 0;

CREATE TABLE article_places (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    place_id   BIGINT NOT NULL REFERENCES places (id),
    position   INT    NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, place_id)
);
CREATE INDEX article_places_place_idx ON article_places (place_id, article_id);

-- Place names, for search (kept on save like author_names).
ALTER TABLE articles ADD COLUMN place_names TEXT NOT NULL DEFAULT '';

ALTER TABLE articles DROP COLUMN search, DROP COLUMN search_head;
ALTER TABLE articles
    ADD COLUMN search TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
     || setweight(to_tsvector('english', summary), 'B')
     || setweight(to_tsvector('english', author_names), 'B')
     || setweight(to_tsvector('english', place_names), 'B')
     || setweight(to_tsvector('english', body_md), 'C')
    ) STORED,
    ADD COLUMN search_head TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
     || setweight(to_tsvector('english', summary), 'B')
     || setweight(to_tsvector('english', author_names), 'B')
     || setweight(to_tsvector('english', place_names), 'B')
    ) STORED;
CREATE INDEX articles_search_idx ON articles USING GIN (search);
CREATE INDEX articles_search_head_idx ON articles USING GIN (search_head);

-- story_count is exact whatever changes a story: its places, its status, its deletion.
CREATE FUNCTION refresh_place_story_counts(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    UPDATE places p
       SET story_count = (SELECT count(*) FROM article_places ap
                            JOIN articles a ON a.id = ap.article_id AND a.status = 'published'
                           WHERE ap.place_id = p.id)
     WHERE p.id = ANY (ids);
$$;

-- Statement-level, with transition tables: one recount per place a statement touched, so a
-- bulk insert (the seed, an import) costs one count per place, not one per row.
CREATE FUNCTION article_places_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_place_story_counts(array(SELECT DISTINCT place_id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION article_places_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_place_story_counts(array(SELECT DISTINCT place_id FROM old_rows));
    RETURN NULL;
END
$$;
CREATE TRIGGER article_places_count_insert AFTER INSERT ON article_places
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION article_places_inserted();
CREATE TRIGGER article_places_count_delete AFTER DELETE ON article_places
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION article_places_deleted();

-- A story published or returned to draft changes its places' counts.
CREATE FUNCTION articles_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_place_story_counts(array(
        SELECT DISTINCT ap.place_id
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id AND o.status IS DISTINCT FROM n.status
        JOIN article_places ap ON ap.article_id = n.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_place_count AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_status_changed();
