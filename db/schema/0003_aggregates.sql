-- Daily aggregates (<domain>_daily) and snapshots (<domain>_metrics).
--
-- One declaration of the daily aggregate (daily_aggregate_select) is materialised either as a real
-- continuous aggregate, where the server's TimescaleDB license allows it, or as a plain table that
-- refresh_daily() maintains incrementally for exactly the (wrestler, metric, day) keys an ingest
-- touched. Readers see the same relation names and columns either way.

CREATE TABLE app_settings (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
-- Days are bucketed in the team's local time zone (fixed when the aggregates are created).
INSERT INTO app_settings (key, value) VALUES
    ('bucket_timezone', coalesce(nullif(current_setting('wrestle.bucket_timezone', true), ''), 'Asia/Tehran')),
    ('aggregate_mode', CASE WHEN current_setting('timescaledb.license', true) = 'timescale'
                            THEN 'continuous' ELSE 'incremental' END);

CREATE FUNCTION bucket_timezone() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT value FROM app_settings WHERE key = 'bucket_timezone' $$;

CREATE FUNCTION aggregate_mode() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT value FROM app_settings WHERE key = 'aggregate_mode' $$;

-- The one declaration of a domain's daily aggregate: select list and FROM clause over the series,
-- to be completed with an optional join/filter and "GROUP BY 1, 2, 3".
CREATE FUNCTION daily_aggregate_select(p_domain text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format($q$
        SELECT s.wrestler_id,
               s.metric_id,
               time_bucket(interval '1 day', s.recorded_at, %L) AS bucket,
               avg(s.value)                    AS avg_value,
               min(s.value)                    AS min_value,
               max(s.value)                    AS max_value,
               count(*)                        AS sample_count,
               first(s.value, s.recorded_at)   AS first_value,
               min(s.recorded_at)              AS first_at,
               last(s.value, s.recorded_at)    AS last_value,
               max(s.recorded_at)              AS last_at
          FROM %I s$q$, bucket_timezone(), p_domain || '_series')
$$;

-- Ranges waiting for refresh_continuous_aggregate() (continuous mode only): written inside the
-- ingest transaction, drained right after commit, and by a periodic job for anything left over.
CREATE TABLE aggregate_refresh_queue (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain       text NOT NULL REFERENCES series_domains(domain),
    wrestler_id  uuid NOT NULL,
    metric_id    integer NOT NULL,
    range_start  timestamptz NOT NULL,
    range_end    timestamptz NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE
    d text;
    daily text;
    snap text;
BEGIN
    FOR d IN SELECT domain FROM series_domains ORDER BY position LOOP
        daily := d || '_daily';
        snap := d || '_metrics';
        IF aggregate_mode() = 'continuous' THEN
            EXECUTE format('CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, '
                           'timescaledb.materialized_only = true) AS %s GROUP BY 1, 2, 3 WITH NO DATA',
                           daily, daily_aggregate_select(d));
            EXECUTE format('CREATE INDEX %I ON %I (wrestler_id, metric_id, bucket)', 'ix_' || daily || '_key', daily);
        ELSE
            EXECUTE format($f$
                CREATE TABLE %1$I (
                    wrestler_id   uuid NOT NULL,
                    metric_id     integer NOT NULL,
                    bucket        timestamptz NOT NULL,
                    avg_value     double precision NOT NULL,
                    min_value     double precision NOT NULL,
                    max_value     double precision NOT NULL,
                    sample_count  bigint NOT NULL,
                    first_value   double precision NOT NULL,
                    first_at      timestamptz NOT NULL,
                    last_value    double precision NOT NULL,
                    last_at       timestamptz NOT NULL,
                    PRIMARY KEY (wrestler_id, metric_id, bucket)
                )$f$, daily);
        END IF;

        EXECUTE format($f$
            CREATE TABLE %1$I (
                wrestler_id     uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
                metric_id       integer NOT NULL REFERENCES metric_definitions(id) ON DELETE CASCADE,
                value           double precision NOT NULL,
                recorded_at     timestamptz NOT NULL,
                previous_value  double precision,
                previous_at     timestamptz,
                PRIMARY KEY (wrestler_id, metric_id)
            )$f$, snap);
        EXECUTE format('CREATE INDEX %I ON %I (wrestler_id)', 'ix_' || snap || '_wrestler_id', snap);
    END LOOP;
END
$$;

-- Recompute the snapshots of the given (wrestler, metric) pairs from the daily aggregate: the last
-- value of the latest day, and the last value of the day before it that has data.
CREATE FUNCTION refresh_snapshots(p_domain text, p_wrestler uuid[], p_metric integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH k AS (SELECT DISTINCT * FROM unnest($1, $2) AS k(wrestler_id, metric_id))
        DELETE FROM %1$I m USING k
         WHERE m.wrestler_id = k.wrestler_id AND m.metric_id = k.metric_id$q$, p_domain || '_metrics')
    USING p_wrestler, p_metric;
    EXECUTE format($q$
        WITH k AS (SELECT DISTINCT * FROM unnest($1, $2) AS k(wrestler_id, metric_id))
        INSERT INTO %1$I (wrestler_id, metric_id, value, recorded_at, previous_value, previous_at)
        SELECT k.wrestler_id, k.metric_id, l.last_value, l.last_at, p.last_value, p.last_at
          FROM k
          JOIN wrestlers w ON w.id = k.wrestler_id
          CROSS JOIN LATERAL (
                SELECT d.last_value, d.last_at, d.bucket FROM %2$I d
                 WHERE d.wrestler_id = k.wrestler_id AND d.metric_id = k.metric_id
                 ORDER BY d.bucket DESC LIMIT 1) l
          LEFT JOIN LATERAL (
                SELECT d.last_value, d.last_at FROM %2$I d
                 WHERE d.wrestler_id = k.wrestler_id AND d.metric_id = k.metric_id AND d.bucket < l.bucket
                 ORDER BY d.bucket DESC LIMIT 1) p ON true$q$, p_domain || '_metrics', p_domain || '_daily')
    USING p_wrestler, p_metric;
END
$$;

-- Refresh the daily aggregate and snapshots for exactly the given (wrestler, metric, bucket) keys.
-- Incremental mode does it here, inside the caller's transaction. Continuous mode records the
-- ranges; db/aggregates.py refreshes the continuous aggregate and the snapshots after commit.
CREATE FUNCTION refresh_daily(p_domain text, p_wrestler uuid[], p_metric integer[], p_bucket timestamptz[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
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

    EXECUTE format($q$
        WITH k AS (SELECT DISTINCT * FROM unnest($1, $2, $3) AS k(wrestler_id, metric_id, bucket))
        DELETE FROM %1$I d USING k
         WHERE d.wrestler_id = k.wrestler_id AND d.metric_id = k.metric_id AND d.bucket = k.bucket$q$,
        p_domain || '_daily')
    USING p_wrestler, p_metric, p_bucket;
    -- The range predicate lets each key use the series' unique index; the time_bucket equality keeps
    -- days exact whatever the zone's offset history.
    EXECUTE format($q$
        WITH k AS (SELECT DISTINCT * FROM unnest($1, $2, $3) AS k(wrestler_id, metric_id, bucket))
        INSERT INTO %1$I %2$s
          JOIN k ON s.wrestler_id = k.wrestler_id AND s.metric_id = k.metric_id
                AND s.recorded_at >= k.bucket AND s.recorded_at < k.bucket + interval '26 hours'
                AND time_bucket(interval '1 day', s.recorded_at, %3$L) = k.bucket
         GROUP BY 1, 2, 3$q$,
        p_domain || '_daily', daily_aggregate_select(p_domain), bucket_timezone())
    USING p_wrestler, p_metric, p_bucket;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM refresh_snapshots(p_domain, p_wrestler, p_metric);
    RETURN n;
END
$$;

-- Deleting a wrestler also clears its rows from incrementally materialised aggregates (continuous
-- aggregates drop them on their next refresh, which the queue entry asks for).
CREATE OR REPLACE FUNCTION delete_wrestler_series() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    FOR d IN SELECT domain FROM series_domains LOOP
        EXECUTE format('DELETE FROM %I WHERE wrestler_id = $1', d || '_series') USING OLD.id;
        IF aggregate_mode() = 'continuous' THEN
            INSERT INTO aggregate_refresh_queue (domain, wrestler_id, metric_id, range_start, range_end)
            VALUES (d, OLD.id, 0, '-infinity', 'infinity');
        ELSE
            EXECUTE format('DELETE FROM %I WHERE wrestler_id = $1', d || '_daily') USING OLD.id;
        END IF;
    END LOOP;
    RETURN OLD;
END
$$;
