-- Daily-aggregate refresh that stays linear in the rows it reads (issue 4, speed).
--
-- 0013's refresh_daily() chose between a dense path (one scan of every changed pair over the keys'
-- overall time range) and a per-key probe. On a first load of years of history the keys of slowly
-- sampled metrics (weekly scans, monthly labs) count as sparse, and with millions of keys the planner
-- joined them to the series on (wrestler, metric) alone, so each row met every key of its pair:
-- quadratic, minutes at ten million rows. Now each changed (wrestler, metric) pair is read once over
-- its own range (first to last changed day), aggregated, and the result kept for exactly the
-- requested keys by an equality join on all three key columns. A small change reads the few days it
-- touched through the series' unique index; a bulk load reads its rows once and hashes.
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
    pair_wrestlers uuid[];
    pair_metrics integer[];
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

    CREATE TEMP TABLE _refresh_keys ON COMMIT DROP AS
        SELECT DISTINCT k.wrestler_id, k.metric_id, k.bucket
          FROM unnest(p_wrestler, p_metric, p_bucket) AS k(wrestler_id, metric_id, bucket);
    GET DIAGNOSTICS n_keys = ROW_COUNT;
    CREATE TEMP TABLE _refresh_pairs ON COMMIT DROP AS
        SELECT wrestler_id, metric_id, min(bucket) AS lo, max(bucket) AS hi
          FROM _refresh_keys GROUP BY 1, 2;
    ANALYZE _refresh_keys;
    ANALYZE _refresh_pairs;

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

    IF n_keys >= 1000 THEN
        -- Freshly written rows have no statistics yet: the planner would guess a few rows per pair,
        -- probe the index pair by pair and sort the result. Read them once and hash.
        PERFORM set_config('enable_nestloop', 'off', true), set_config('enable_sort', 'off', true);
    END IF;
    -- A day bucket is at most 25 hours long (zone transitions): the pair's range ends 26 hours after
    -- its last bucket starts; the equality on the bucket keeps days exact whatever the offsets.
    EXECUTE format($q$
        INSERT INTO %1$I
        SELECT a.* FROM (
            %2$s
              JOIN _refresh_pairs p
                ON s.wrestler_id = p.wrestler_id AND s.metric_id = p.metric_id
               AND s.recorded_at >= p.lo AND s.recorded_at < p.hi + interval '26 hours'
             GROUP BY 1, 2, 3) a
          JOIN _refresh_keys k
            ON a.wrestler_id = k.wrestler_id AND a.metric_id = k.metric_id AND a.bucket = k.bucket$q$,
        p_domain || '_daily', daily_aggregate_select(p_domain));
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('enable_nestloop', nestloop, true), set_config('enable_sort', sort, true);

    SELECT array_agg(wrestler_id), array_agg(metric_id) INTO pair_wrestlers, pair_metrics FROM _refresh_pairs;
    DROP TABLE _refresh_keys;
    DROP TABLE _refresh_pairs;
    PERFORM refresh_snapshots(p_domain, pair_wrestlers, pair_metrics);
    RETURN n;
END
$$;
