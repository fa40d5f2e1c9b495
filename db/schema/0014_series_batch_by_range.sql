-- Drop the per-series batch_id index.
--
-- Every ingested row carries a batch id, so the index had one entry per row and was the third index
-- each bulk COPY maintained: about 30% of the write time of a million-row file. Its only reader is
-- batch undo, a rare admin action, which now bounds its scan by the batch's recorded time range
-- (ingest_batches.first_at/last_at), so chunk exclusion keeps it to the chunks the batch wrote.
DO $$
DECLARE
    d text;
BEGIN
    FOR d IN SELECT domain FROM series_domains LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', 'ix_' || d || '_series_batch');
    END LOOP;
END
$$;
