-- Faster incremental refresh of the daily aggregates for bulk batches (issue 4, speed).
--
-- 0003's refresh_daily() probes the series' unique index once per (wrestler, metric, day) key: right
-- for a few keys, but a million-row file touches thousands of keys covering whole days, and the
-- probes plus a sorted group cost more than reading those rows once. When the keys are dense (they
-- fill a good part of the (wrestler, metric) × day grid they span), the aggregate is computed with
-- one hash aggregate over the series restricted to the keys' (wrestler, metric) pairs and overall
-- time range, and the result is kept for exactly the requested keys. Sparse keys keep the per-key
-- probe. The DELETE is skipped when none of the keys has a daily row (first load of new days).
-- The aggregate itself is still the one declaration, daily_aggregate_select().

CREATE OR REPLACE FUNCTION refresh_daily(p_domain text, p_wrestler uuid[], p_metric integer[], p_bucket timestamptz[])
RETURNS integer LANGUAGE plpgsql
-- Room for the hash aggregate: the planner sizes first()/last() states generously and would
-- otherwise spill for a few thousand groups. Restored on return.
SET work_mem = '128MB'
AS $$
DECLARE
    n integer;
    n_keys integer;
    lo timestamptz;
    hi timestamptz;
    days double precision;
    n_pairs integer;
    has_daily boolean;
    nestloop text := current_setting('enable_nestloop');
    sort text := current_setting('enable_sort');
BEGIN
    IF coalesce(array_length(p_wrestler, 1), 0) = 0 THEN
        RETURN 0;
    END IF;
    IF aggregate_mode() = 'continuous' THEN
        INSERT INTO aggregate_refresh_queue (domain, wrestler_id, metric_id, range_start, range_end)
        SELECT p_domain, k.wrestler_id, k.metric_id, min(k.bucket), max(k.bucket) + interval '1 day'
          FROM unnest(p_wrestler, p_metric, p_bucket) AS k(wrestler_id, metric_id, bucket)
         GROUP BY 1, 2, 3;
        RETURN 0;
    END IF;

    -- The keys once, distinct, with the number of (wrestler, metric) pairs and the days they span.
    CREATE TEMP TABLE _refresh_keys ON COMMIT DROP AS
        SELECT DISTINCT k.wrestler_id, k.metric_id, k.bucket
          FROM unnest(p_wrestler, p_metric, p_bucket) AS k(wrestler_id, metric_id, bucket);
    EXECUTE 'SELECT count(*), count(DISTINCT (wrestler_id, metric_id)), min(bucket), max(bucket)
               FROM _refresh_keys'
       INTO n_keys, n_pairs, lo, hi;
    ANALYZE _refresh_keys;

    EXECUTE format($q$
        SELECT EXISTS (SELECT 1 FROM %1$I d JOIN _refresh_keys k
                          ON d.wrestler_id = k.wrestler_id AND d.metric_id = k.metric_id
                         AND d.bucket = k.bucket)$q$, p_domain || '_daily')
    INTO has_daily;
    IF has_daily THEN
        EXECUTE format($q$
            DELETE FROM %1$I d USING _refresh_keys k
             WHERE d.wrestler_id = k.wrestler_id AND d.metric_id = k.metric_id AND d.bucket = k.bucket$q$,
            p_domain || '_daily');
    END IF;

    -- A day bucket is at most 25 hours long (zone transitions); the range predicate bounds the scan,
    -- the time_bucket equality (the join on bucket) keeps days exact whatever the offset history.
    days := extract(epoch FROM hi - lo) / 86400.0 + 1;
    IF n_keys >= 1000 AND n_keys * 4 >= n_pairs * days THEN
        -- Freshly written rows have no statistics yet: the planner would guess a few rows per pair
        -- and probe the index pair by pair, then sort a million rows. Read them once and hash.
        PERFORM set_config('enable_nestloop', 'off', true), set_config('enable_sort', 'off', true);
        EXECUTE format($q$
            INSERT INTO %1$I
            SELECT a.* FROM (
                %2$s
                  JOIN (SELECT DISTINCT wrestler_id, metric_id FROM _refresh_keys) p
                    ON s.wrestler_id = p.wrestler_id AND s.metric_id = p.metric_id
                 WHERE s.recorded_at >= $1 AND s.recorded_at < $2 + interval '26 hours'
                 GROUP BY 1, 2, 3) a
              JOIN _refresh_keys k
                ON a.wrestler_id = k.wrestler_id AND a.metric_id = k.metric_id AND a.bucket = k.bucket$q$,
            p_domain || '_daily', daily_aggregate_select(p_domain))
        USING lo, hi;
        GET DIAGNOSTICS n = ROW_COUNT;
        PERFORM set_config('enable_nestloop', nestloop, true), set_config('enable_sort', sort, true);
    ELSE
        EXECUTE format($q$
            INSERT INTO %1$I %2$s
              JOIN _refresh_keys k ON s.wrestler_id = k.wrestler_id AND s.metric_id = k.metric_id
                    AND s.recorded_at >= k.bucket AND s.recorded_at < k.bucket + interval '26 hours'
                    AND time_bucket(interval '1 day', s.recorded_at, %3$L) = k.bucket
             GROUP BY 1, 2, 3$q$,
            p_domain || '_daily', daily_aggregate_select(p_domain), bucket_timezone());
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    DROP TABLE _refresh_keys;
    PERFORM refresh_snapshots(p_domain, p_wrestler, p_metric);
    RETURN n;
END
$$;
