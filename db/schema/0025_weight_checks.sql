-- The daily weight check of each wrestler (query.weight_status: the flags of its recent weights and
-- scans, and its latest weight), kept by the write path whenever its weights, scans, body fat or
-- hydration change, so that a team's weight board reads one row per wrestler instead of checking every
-- weight of the last two weeks. A row names what it was computed from (`inputs`: the assessment, the
-- floor, the loss cap, the rapid-loss threshold, the formulas); a reader whose inputs differ (a team
-- that changed its rule set, an assessment that has aged out) checks that wrestler afresh instead.
CREATE TABLE weight_checks (
    wrestler_id  uuid PRIMARY KEY REFERENCES wrestlers(id) ON DELETE CASCADE,
    day          date NOT NULL,  -- the local day it was computed on: its flags cover the 14 days before
    inputs       text NOT NULL,
    latest_at    double precision,  -- the latest weight: epoch seconds and kg
    latest_kg    double precision,
    flags        jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now()
);
