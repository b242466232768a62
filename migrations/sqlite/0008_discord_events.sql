-- Discord events (slash commands, button clicks, modal submissions, mentions) handled, by id:
-- during a hand-over of the gateway between instances, an event that reaches two of them is
-- handled by the first that records it. Rows older than a day are purged.
CREATE TABLE discord_events (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);
