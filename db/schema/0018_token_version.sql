-- Revocations that last (issue 10): every token carries its user's token_version; changing what a
-- session was granted on (the password, the role, the team or wrestler link, the disabled flag)
-- bumps it, so every access and refresh token issued before stops working on the user's next
-- request, on every worker, whatever path made the change (API, CLI, SQL).
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;

CREATE FUNCTION bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.password_hash, NEW.role, NEW.team_id, NEW.wrestler_id, NEW.disabled)
       IS DISTINCT FROM (OLD.password_hash, OLD.role, OLD.team_id, OLD.wrestler_id, OLD.disabled) THEN
        NEW.token_version := OLD.token_version + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER trg_users_token_version BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_token_version();
