-- Phrasings learned from use: a question its asker confirmed (« Ça répond », or « Oui » to
-- « Votre question porte-t-elle sur … ? ») becomes, redacted, an extra question phrasing of the
-- entry that served it, indexed at once; experts approve or remove it.
-- Keep in step with migrations/postgres/0005_learned_phrasings.sql.

CREATE TABLE phrasings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The index id of the entry: an article slug, or `answer-N` for an expert answer.
    entry_id     TEXT NOT NULL,
    text         TEXT NOT NULL,
    -- Where it came from: 'helpful' (« Ça répond »), 'confirmed' (« Oui »), 'expert' (added by
    -- the expert when answering), 'clarification' (the asker's reply to a request for precision).
    source       TEXT NOT NULL,
    question_id  INTEGER REFERENCES questions (id),
    author_id    INTEGER REFERENCES users (id),
    -- 'new' (indexed, not yet reviewed), 'approved', 'removed' (no longer indexed).
    status       TEXT NOT NULL DEFAULT 'new',
    created_at   INTEGER NOT NULL,
    reviewed_by  INTEGER REFERENCES users (id),
    reviewed_at  INTEGER
);
CREATE INDEX phrasings_entry ON phrasings (entry_id, status);
CREATE UNIQUE INDEX phrasings_question_entry ON phrasings (question_id, entry_id) WHERE question_id IS NOT NULL;

-- The index change log now also names articles whose learned phrasings changed (an article is
-- not a database row: its text comes from knowledge/, its learned phrasings from here).
CREATE TABLE index_changes_new (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id     INTEGER REFERENCES answers (id),
    article_slug  TEXT,
    created_at    INTEGER NOT NULL,
    CHECK ((answer_id IS NULL) <> (article_slug IS NULL))
);
INSERT INTO index_changes_new (seq, answer_id, created_at) SELECT seq, answer_id, created_at FROM index_changes;
DROP TABLE index_changes;
ALTER TABLE index_changes_new RENAME TO index_changes;
