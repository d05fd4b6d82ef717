-- Maps are drawn from the places with stories, which change only when a story count does.
-- This counter goes up with every recount, so each instance can keep its drawings and check
-- with one tiny read that they are still current: as fresh as the database, with nothing to
-- invalidate across instances.
CREATE TABLE places_version (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    version   BIGINT NOT NULL DEFAULT 0
);
-- From a random start: a process that serves more than one database (the test runner) can't
-- mistake one database's drawings for another's.
INSERT INTO places_version (version) VALUES ((random() * 1e15)::bigint);

CREATE OR REPLACE FUNCTION refresh_place_story_counts(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    WITH recounted AS (
        UPDATE places p
           SET story_count = (SELECT count(*) FROM article_places ap
                                JOIN articles a ON a.id = ap.article_id AND a.status = 'published'
                               WHERE ap.place_id = p.id)
         WHERE p.id = ANY (ids)
        RETURNING p.id)
    UPDATE places_version SET version = version + 1 WHERE EXISTS (SELECT 1 FROM recounted);
$$;
