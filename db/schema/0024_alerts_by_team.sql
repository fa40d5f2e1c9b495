-- A team's alerts page from one index range: each alert carries its wrestler's team, kept by the
-- database on every insert and whenever a wrestler changes team, instead of merging an index range per
-- wrestler and sorting them all for every page and count.
ALTER TABLE alerts ADD COLUMN team_id uuid REFERENCES teams(id) ON DELETE SET NULL;
UPDATE alerts a SET team_id = w.team_id FROM wrestlers w WHERE w.id = a.wrestler_id;
CREATE INDEX ix_alerts_team_day_id ON alerts (team_id, day DESC, id DESC);
ANALYZE alerts;

CREATE FUNCTION alerts_take_wrestler_team() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.team_id := (SELECT team_id FROM wrestlers WHERE id = NEW.wrestler_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER alerts_team
    BEFORE INSERT OR UPDATE OF wrestler_id, team_id ON alerts
    FOR EACH ROW EXECUTE FUNCTION alerts_take_wrestler_team();

CREATE FUNCTION alerts_follow_wrestler_team() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE alerts SET team_id = NEW.team_id WHERE wrestler_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER wrestlers_team_alerts
    AFTER UPDATE OF team_id ON wrestlers
    FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id)
    EXECUTE FUNCTION alerts_follow_wrestler_team();
