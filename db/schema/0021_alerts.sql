-- Personal baselines and real change. Each metric may carry a typical error and a smallest
-- worthwhile change (in its unit; NULL: derived from the athlete's own baseline), a team may override
-- them and the k of the real-change rule, and the write path stores an alert per (wrestler, metric,
-- day) whose value stands out against the athlete's own previous 28 days, with its evidence.
ALTER TABLE metric_definitions
    ADD COLUMN typical_error double precision CHECK (typical_error > 0),
    ADD COLUMN smallest_change double precision CHECK (smallest_change > 0);

CREATE TABLE team_metric_thresholds (
    team_id          uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    metric_id        integer NOT NULL REFERENCES metric_definitions(id) ON DELETE CASCADE,
    typical_error    double precision CHECK (typical_error > 0),
    smallest_change  double precision CHECK (smallest_change > 0),
    k                double precision CHECK (k > 0 AND k <= 10),
    PRIMARY KEY (team_id, metric_id)
);

CREATE TABLE alerts (
    id           bigserial PRIMARY KEY,
    wrestler_id  uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    metric_id    integer NOT NULL REFERENCES metric_definitions(id) ON DELETE CASCADE,
    day          date NOT NULL,
    level        text NOT NULL CHECK (level IN ('red', 'yellow')),
    real_change  boolean NOT NULL,
    evidence     jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (wrestler_id, metric_id, day)
);
CREATE INDEX ix_alerts_wrestler_day ON alerts (wrestler_id, day DESC);
CREATE INDEX ix_alerts_day ON alerts (day DESC);

-- Working defaults (configurable per team): typical errors of common measurements.
UPDATE metric_definitions SET typical_error = 0.3, smallest_change = 0.5 WHERE key = 'weight';
UPDATE metric_definitions SET typical_error = 0.5, smallest_change = 0.5 WHERE key = 'body_fat';
