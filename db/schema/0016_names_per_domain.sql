-- Metric names per domain (issue 9, no numeric row lost to naming).
--
-- A name may mean different quantities in different domains: InBody's "Protein" is body protein mass
-- in kg, a nutrition log's "Protein" is protein intake in g/day. So an alias now belongs to a domain
-- (the domain of its metric), and the same name may stand in several domains. Ingest resolves a
-- name within the row's domain first. For a row without a domain, the alias marked `preferred` (at
-- most one per name) is the meaning, unless the row's unit fits only another one.
--
-- Keys stay unique across the whole catalog, so every lookup by key (the series endpoint, section
-- fields, scores) stays unambiguous; only names (aliases) are per domain.

ALTER TABLE metric_definitions ADD CONSTRAINT uq_metric_definitions_id_domain UNIQUE (id, domain);

ALTER TABLE metric_aliases ADD COLUMN domain text;
UPDATE metric_aliases a SET domain = m.domain FROM metric_definitions m WHERE m.id = a.metric_id;
ALTER TABLE metric_aliases ALTER COLUMN domain SET NOT NULL;
ALTER TABLE metric_aliases ADD COLUMN preferred boolean NOT NULL DEFAULT true;
ALTER TABLE metric_aliases DROP CONSTRAINT metric_aliases_pkey;
ALTER TABLE metric_aliases ADD PRIMARY KEY (domain, alias);
ALTER TABLE metric_aliases DROP CONSTRAINT metric_aliases_metric_id_fkey;
ALTER TABLE metric_aliases ADD CONSTRAINT fk_metric_aliases_metric
    FOREIGN KEY (metric_id, domain) REFERENCES metric_definitions (id, domain) ON DELETE CASCADE;
CREATE UNIQUE INDEX uq_metric_aliases_preferred ON metric_aliases (alias) WHERE preferred;
CREATE INDEX ix_metric_aliases_metric ON metric_aliases (metric_id);

-- Names that mean another quantity inside a domain than their preferred meaning elsewhere.
INSERT INTO metric_aliases (alias, metric_id, domain, preferred)
SELECT n.alias, m.id, m.domain, false
  FROM (VALUES
        ('protein', 'protein_mass'),          -- InBody: body protein (kg), not protein intake (g/day)
        ('hydration', 'hydration_level'),     -- recovery questionnaires: hydration status (%)
        ('vitamin_d', 'vitamin_d_dose'),      -- supplement logs: the dose (IU/day), not the lab value
        ('vitamin_d3', 'vitamin_d_dose')
       ) AS n(alias, key)
  JOIN metric_definitions m ON m.key = n.key
ON CONFLICT (domain, alias) DO NOTHING;
