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
    -- One pass in time order: the latest weight and test at or before each row, as the running
    -- maximum of [epoch, value] (the default frame ends with the row's peers, so a weight at the
    -- reading's time counts; float8 epochs keep microseconds).
    paired AS (
        SELECT p.*,
               max(ARRAY[extract(epoch FROM p.recorded_at)::float8, p.value])
                   FILTER (WHERE p.key = 'weight') OVER o AS wt,
               max(ARRAY[extract(epoch FROM p.recorded_at)::float8, p.value])
                   FILTER (WHERE p.key = 'urine_specific_gravity') OVER o AS u
          FROM pts p WINDOW o AS (PARTITION BY p.wrestler_id ORDER BY p.recorded_at)),
    near AS (
        SELECT b.*, b.wt[1] >= extract(epoch FROM b.recorded_at - interval '24 hours') AS w_ok,
               b.u[1] >= extract(epoch FROM b.recorded_at - interval '24 hours') AS u_ok
          FROM paired b WHERE b.key = 'body_fat' AND b.recorded_at >= b.f)
    INSERT INTO weight_assessments (wrestler_id, at, body_fat_pct, weight_kg, weight_at, usg, usg_at)
    SELECT c.wrestler_id, c.recorded_at, c.value,
           CASE WHEN c.w_ok THEN c.wt[2] END, CASE WHEN c.w_ok THEN to_timestamp(c.wt[1]) END,
           CASE WHEN c.u_ok THEN c.u[2] END, CASE WHEN c.u_ok THEN to_timestamp(c.u[1]) END
      FROM near c
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
