-- Data versions: what keys the dashboard's payload cache and its ETags (api/payload_cache.py).
--
-- A wrestler's version moves in the same transaction as every write that changes what a read of
-- that wrestler returns; a team's "own" version moves when its row or its membership changes; the
-- global version moves with the catalog, the rule sets and the settings every payload depends on.
-- A team's payloads are keyed by its own version and the sum of its members' versions: versions
-- only grow, so for one membership the sum grows with every member's write, and a membership change
-- moves the own version. No write ever waits on a team-wide row.
--
-- How a write moves them, whichever path it takes: statement triggers on the tables that reads
-- depend on record what the statement touched in a transaction-local table (no lock taken); the
-- series hypertables are recorded by the write path's refresh (db/series.py refresh_changed, the
-- continuous-aggregate drain), which already knows the changed wrestlers. At commit a deferred
-- trigger, fired once per transaction, increments the recorded versions in one statement, in key
-- order: the row locks of a bump are the last a transaction takes and are taken in one order by
-- every writer, so bumps never deadlock and hold their locks only through the commit.
CREATE TABLE data_versions (
    subject  text NOT NULL CHECK (subject IN ('wrestler', 'team', 'global')),
    id       uuid NOT NULL,                      -- the nil uuid for 'global'
    version  bigint NOT NULL,
    PRIMARY KEY (subject, id)
);
INSERT INTO data_versions VALUES ('global', '00000000-0000-0000-0000-000000000000', 1);

-- The commit-time bump: every subject recorded in this transaction, once, in key order.
CREATE FUNCTION data_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_versions AS v (subject, id, version)
    SELECT subject, id, 1 FROM pg_temp.data_touched ORDER BY subject, id
    ON CONFLICT (subject, id) DO UPDATE SET version = v.version + 1;
    DELETE FROM pg_temp.data_touched;
    RETURN NULL;
END
$$;

-- Record subjects touched by this transaction. The two session tables are made on first use: a
-- table of touched keys, and a one-row marker whose deferred trigger runs the bump at commit.
CREATE FUNCTION data_touch(p_subject text, p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    IF to_regclass('pg_temp.data_touched') IS NULL THEN
        CREATE TEMP TABLE data_touched (subject text NOT NULL, id uuid NOT NULL, PRIMARY KEY (subject, id))
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE data_touch_pending (one boolean PRIMARY KEY DEFAULT true)
            ON COMMIT DELETE ROWS;
        CREATE CONSTRAINT TRIGGER data_versions_bump AFTER INSERT ON pg_temp.data_touch_pending
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_versions_bump();
    END IF;
    INSERT INTO pg_temp.data_touched (subject, id)
    SELECT DISTINCT p_subject, x FROM unnest(p_ids) AS x WHERE x IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO pg_temp.data_touch_pending DEFAULT VALUES ON CONFLICT DO NOTHING;
END
$$;

-- Tables keyed by wrestler_id: the wrestlers of the rows written or removed.
CREATE FUNCTION data_touch_by_wrestler_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM data_touch('wrestler', ARRAY(SELECT DISTINCT wrestler_id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION data_touch_by_wrestler_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM data_touch('wrestler', ARRAY(SELECT DISTINCT wrestler_id FROM old_rows));
    RETURN NULL;
END
$$;

-- A training program's parts: the program's wrestler.
CREATE FUNCTION data_touch_by_program() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM data_touch('wrestler', ARRAY(
            SELECT DISTINCT p.wrestler_id FROM old_rows b JOIN training_programs p ON p.id = b.program_id));
    ELSE
        PERFORM data_touch('wrestler', ARRAY(
            SELECT DISTINCT p.wrestler_id FROM new_rows b JOIN training_programs p ON p.id = b.program_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION data_touch_by_block() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM data_touch('wrestler', ARRAY(
            SELECT DISTINCT p.wrestler_id FROM old_rows s
              JOIN training_program_blocks b ON b.id = s.block_id
              JOIN training_programs p ON p.id = b.program_id));
    ELSE
        PERFORM data_touch('wrestler', ARRAY(
            SELECT DISTINCT p.wrestler_id FROM new_rows s
              JOIN training_program_blocks b ON b.id = s.block_id
              JOIN training_programs p ON p.id = b.program_id));
    END IF;
    RETURN NULL;
END
$$;

-- The wrestler's own row (profile), and its team's membership.
CREATE FUNCTION data_touch_wrestlers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM data_touch('wrestler', ARRAY(SELECT id FROM new_rows));
        PERFORM data_touch('team', ARRAY(SELECT DISTINCT team_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM data_touch('wrestler', ARRAY(SELECT id FROM old_rows));
        PERFORM data_touch('team', ARRAY(SELECT DISTINCT team_id FROM old_rows));
    ELSE
        PERFORM data_touch('wrestler', ARRAY(SELECT id FROM new_rows));
        PERFORM data_touch('team', ARRAY(
            SELECT o.team_id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.team_id IS DISTINCT FROM n.team_id
            UNION
            SELECT n.team_id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.team_id IS DISTINCT FROM n.team_id));
    END IF;
    RETURN NULL;
END
$$;

-- A team's row (name, weight settings) and its alert thresholds: the team, and its members, whose
-- weight status and alerts follow the team's settings.
CREATE FUNCTION data_touch_teams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM data_touch('team', ARRAY(SELECT id FROM new_rows));
    PERFORM data_touch('wrestler', ARRAY(
        SELECT w.id FROM wrestlers w WHERE w.team_id IN (SELECT id FROM new_rows)));
    RETURN NULL;
END
$$;
CREATE FUNCTION data_touch_team_thresholds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM data_touch('team', ARRAY(SELECT DISTINCT team_id FROM old_rows));
        PERFORM data_touch('wrestler', ARRAY(
            SELECT w.id FROM wrestlers w WHERE w.team_id IN (SELECT team_id FROM old_rows)));
    ELSE
        PERFORM data_touch('team', ARRAY(SELECT DISTINCT team_id FROM new_rows));
        PERFORM data_touch('wrestler', ARRAY(
            SELECT w.id FROM wrestlers w WHERE w.team_id IN (SELECT team_id FROM new_rows)));
    END IF;
    RETURN NULL;
END
$$;

-- What every payload depends on. An archive or a restore (series_archive_files) changes the raw
-- points of many wrestlers at once.
CREATE FUNCTION data_touch_global() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM data_touch('global', ARRAY['00000000-0000-0000-0000-000000000000'::uuid]);
    RETURN NULL;
END
$$;

-- A trigger with transition tables serves one event: three per table.
CREATE FUNCTION data_versions_watch(p_table regclass, p_insert text, p_update text, p_delete text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := replace(p_table::text, '.', '_');
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %s()', 'dv_ins_' || name, p_table, p_insert);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %s()', 'dv_upd_' || name, p_table, p_update);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %s()', 'dv_del_' || name, p_table, p_delete);
END
$$;

SELECT data_versions_watch(t::regclass, 'data_touch_by_wrestler_new', 'data_touch_by_wrestler_new',
                           'data_touch_by_wrestler_old')
  FROM unnest(ARRAY['section_scores', 'alerts', 'training_programs', 'weight_plans', 'weigh_ins',
                    'weight_checks', 'weight_assessments', 'training_load_latest']) AS t;
SELECT data_versions_watch(t::regclass, 'data_touch_by_program', 'data_touch_by_program', 'data_touch_by_program')
  FROM unnest(ARRAY['training_program_blocks', 'training_program_ai_recommendations']) AS t;
SELECT data_versions_watch('training_program_sets', 'data_touch_by_block', 'data_touch_by_block',
                           'data_touch_by_block');
SELECT data_versions_watch('wrestlers', 'data_touch_wrestlers', 'data_touch_wrestlers', 'data_touch_wrestlers');
SELECT data_versions_watch('team_metric_thresholds', 'data_touch_team_thresholds',
                           'data_touch_team_thresholds', 'data_touch_team_thresholds');
CREATE TRIGGER dv_upd_teams AFTER UPDATE ON teams REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION data_touch_teams();
SELECT data_versions_watch(t::regclass, 'data_touch_global', 'data_touch_global', 'data_touch_global')
  FROM unnest(ARRAY['metric_definitions', 'metric_aliases', 'metric_unit_conversions', 'rule_sets',
                    'app_settings', 'series_domains', 'series_archive_files']) AS t;
DROP FUNCTION data_versions_watch(regclass, text, text, text);
