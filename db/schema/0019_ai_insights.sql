-- AI answers of every kind (chart insights, advanced insights, training programs) are kept with the
-- whole answer as sent, its evidence, who asked and under which provider, model and prompt version,
-- and a coach's or admin's review. A rejected answer stays on record but answers no more: the
-- uniqueness of (wrestler, chart, input) holds among live answers only, so the same question is
-- generated anew.
ALTER TABLE ai_chart_insights DROP CONSTRAINT ai_chart_insights_kind_check;
ALTER TABLE ai_chart_insights
    ADD CONSTRAINT ai_chart_insights_kind_check CHECK (kind IN ('chart', 'advanced', 'training')),
    ADD COLUMN provider       text,
    ADD COLUMN prompt_version text,
    ADD COLUMN payload        jsonb,
    ADD COLUMN evidence_json  jsonb,
    ADD COLUMN created_by     uuid REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN review_status  text CHECK (review_status IN ('accepted', 'rejected', 'flagged')),
    ADD COLUMN review_note    text CHECK (length(review_note) <= 4000),
    ADD COLUMN reviewed_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN reviewed_at    timestamptz;

DROP INDEX uq_ai_insight_hash;
CREATE UNIQUE INDEX uq_ai_insight_hash ON ai_chart_insights (wrestler_id, chart_id, input_hash)
    WHERE review_status IS DISTINCT FROM 'rejected';
CREATE INDEX ix_ai_chart_insights_history ON ai_chart_insights (wrestler_id, chart_id, created_at DESC);
