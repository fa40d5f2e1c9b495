-- The latest training-load figures of each wrestler (query.training_load.summary as of a day), kept by
-- the write path whenever a wrestler's sessions or the days that tell rest from missing data change
-- in the recent weeks, so the team board shows them without computing a load report per athlete.
CREATE TABLE training_load_latest (
    wrestler_id  uuid PRIMARY KEY REFERENCES wrestlers(id) ON DELETE CASCADE,
    day          date NOT NULL,
    summary      jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now()
);
