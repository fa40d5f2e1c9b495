-- Per-wrestler serialisation of what is derived from the series (issue 10, concurrency).
--
-- A write's refresh recomputes daily rows, snapshots and scores from the series as its transaction
-- sees them. Two concurrent writers of one wrestler would each miss the other's rows (and the
-- delete-and-insert of the same keys would make the second fail on the primary key). So every
-- refresh first takes a transaction-level advisory lock per wrestler, held until commit: the second
-- writer waits, then recomputes from a snapshot that includes the first one's committed rows.
--
-- Wrestlers map onto 1024 lock slots (a bulk ingest of thousands of wrestlers takes at most 1024
-- locks, within the server's lock table), taken in ascending order so that writers never deadlock
-- on them. All series row locks of a write are taken before these, so the order is the same for all.
CREATE FUNCTION lock_wrestlers(p_wrestlers uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    slot integer;
BEGIN
    FOR slot IN
        SELECT DISTINCT hashtext(w::text) & 1023 FROM unnest(p_wrestlers) AS w ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(7120453, slot);
    END LOOP;
END
$$;
