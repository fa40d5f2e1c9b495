-- Archived series periods: raw points moved to Parquet files and dropped from the hypertables.
--
-- One row per archive file still out of the database: the part of one dropped chunk that falls in
-- one local month of one domain (period_start .. period_end), with what the file holds. The daily
-- aggregates, snapshots and scores of these periods stay in the database; their raw rows do not, so
-- no refresh may recompute a day that overlaps a period here (a write into one is refused, and on a
-- continuous-aggregate server no refresh window covers one). A restore deletes the rows of the
-- files it brought back.
CREATE TABLE series_archive_files (
    domain        text NOT NULL REFERENCES series_domains(domain),
    file_name     text NOT NULL,                 -- relative to the archive directory
    month         date NOT NULL,                 -- first day of the local month (bucket time zone)
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    row_count     bigint NOT NULL CHECK (row_count > 0),
    value_sum     double precision NOT NULL,
    sha256        text NOT NULL,
    archive_dir   text NOT NULL,
    archived_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (domain, file_name),
    CHECK (period_start < period_end)
);
CREATE INDEX ix_series_archive_files_period ON series_archive_files (domain, period_start);
