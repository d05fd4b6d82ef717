-- Search that forgives: prefix matches come from the existing tsvectors (`lisb:*`); typos
-- are corrected against a lexicon of the words in published titles and author names
-- ("Lisbn" → "lisbon"), found by trigram similarity and checked by edit distance.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Words only ever added (on save, on a writer's rename, by the seed and the import): a word
-- from a deleted story at worst suggests a correction that finds nothing.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY CHECK (length(word) BETWEEN 3 AND 40 AND word = lower(word))
);
CREATE INDEX search_words_trgm_idx ON search_words USING GIN (word gin_trgm_ops);

INSERT INTO search_words (word)
SELECT DISTINCT lower(w)
FROM articles a, regexp_split_to_table(a.title || ' ' || a.author_names, '[^[:alnum:]]+') AS w
WHERE a.status = 'published' AND length(lower(w)) BETWEEN 3 AND 40
ON CONFLICT DO NOTHING;
