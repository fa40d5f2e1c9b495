-- Body-fat assessments as a read model. For every body-fat reading: the latest weight and the latest
-- urine-specific-gravity reading on record in the 24 hours before it (or at the same time). The write
-- path refreshes the rows of the time ranges a transaction changed, so a weight board reads one row
-- per wrestler (the latest reading whose weight is present and whose hydration test passes the team's
-- rule set) instead of months of raw points. Which reading counts is decided on read, because the
-- hydration gate belongs to the team's rule set and may change.
CREATE TABLE weight_assessments (
    wrestler_id   uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    at            timestamptz NOT NULL,
    body_fat_pct  double precision NOT NULL,
    weight_kg     double precision,
    weight_at     timestamptz,
    usg           double precision,
    usg_at        timestamptz,
    PRIMARY KEY (wrestler_id, at)
);

CREATE FUNCTION refresh_weight_assessments(p_wrestlers uuid[], p_from timestamptz[], p_to timestamptz[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM weight_assessments a
     USING unnest(p_wrestlers, p_from, p_to) AS r(w, f, t)
     WHERE a.wrestler_id = r.w AND a.at >= r.f AND a.at < r.t;
    WITH r AS (SELECT * FROM unnest(p_wrestlers, p_from, p_to) AS r(w, f, t)),
    m AS (SELECT id, key FROM metric_definitions
           WHERE key IN ('weight', 'body_fat', 'urine_specific_gravity')),
    pts AS (
        SELECT s.wrestler_id, m.key, s.recorded_at, s.value, r.f
          FROM r JOIN body_composition_series s
            ON s.wrestler_id = r.w AND s.recorded_at >= r.f - interval '24 hours' AND s.recorded_at < r.t
          JOIN m ON m.id = s.metric_id
        UNION ALL
        SELECT s.wrestler_id, m.key, s.recorded_at, s.value, r.f
          FROM r JOIN bloodwork_series s
            ON s.wrestler_id = r.w AND s.recorded_at >= r.f - interval '24 hours' AND s.recorded_at < r.t
          JOIN m ON m.id = s.metric_id),
    -- The default frame ends with the current row's peers: a weight at the reading's time counts.
    paired AS (
        SELECT p.*,
               max(p.recorded_at) FILTER (WHERE p.key = 'weight') OVER o AS weight_at,
               max(p.recorded_at) FILTER (WHERE p.key = 'urine_specific_gravity') OVER o AS usg_at
          FROM pts p WINDOW o AS (PARTITION BY p.wrestler_id ORDER BY p.recorded_at))
    INSERT INTO weight_assessments (wrestler_id, at, body_fat_pct, weight_kg, weight_at, usg, usg_at)
    SELECT b.wrestler_id, b.recorded_at, b.value, wt.value, wt.recorded_at, u.value, u.recorded_at
      FROM paired b
      LEFT JOIN pts wt ON wt.wrestler_id = b.wrestler_id AND wt.key = 'weight'
                      AND wt.recorded_at = b.weight_at AND b.weight_at >= b.recorded_at - interval '24 hours'
      LEFT JOIN pts u ON u.wrestler_id = b.wrestler_id AND u.key = 'urine_specific_gravity'
                     AND u.recorded_at = b.usg_at AND b.usg_at >= b.recorded_at - interval '24 hours'
     WHERE b.key = 'body_fat' AND b.recorded_at >= b.f
    ON CONFLICT (wrestler_id, at) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The data already stored.
SELECT refresh_weight_assessments(array_agg(id), array_agg('-infinity'::timestamptz),
                                  array_agg('infinity'::timestamptz))
  FROM wrestlers;

-- A team's alerts newest first, and their count, from the index alone.
CREATE INDEX ix_alerts_wrestler_day_id ON alerts (wrestler_id, day DESC, id DESC);
DROP INDEX ix_alerts_wrestler_day;
