-- Core entities: teams, wrestlers, users, token revocations, ingest batches.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE teams (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE wrestlers (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id      uuid REFERENCES teams(id) ON DELETE SET NULL,
    name_fa      text NOT NULL CHECK (length(name_fa) BETWEEN 1 AND 255),
    name_en      text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 255),
    weight_class integer NOT NULL CHECK (weight_class BETWEEN 50 AND 150),
    image_url    text CHECK (length(image_url) <= 500),
    status       text NOT NULL DEFAULT 'normal'
                 CHECK (status IN ('competition_ready', 'normal', 'attention')),
    external_id  text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_wrestlers_team_id ON wrestlers(team_id);
CREATE INDEX ix_wrestlers_order ON wrestlers(name_en, id);

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    password_hash text NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    role          text NOT NULL DEFAULT 'athlete' CHECK (role IN ('admin', 'coach', 'athlete')),
    wrestler_id   uuid REFERENCES wrestlers(id) ON DELETE SET NULL,
    team_id       uuid REFERENCES teams(id) ON DELETE SET NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_users_email ON users(lower(email));

-- Revoked token ids (refresh families and presented access tokens). Redis holds the hot copy with a
-- TTL; this table is the durable copy and the fallback while Redis is down. Expired rows are purged.
CREATE TABLE token_revocations (
    jti         text PRIMARY KEY,
    token_type  text NOT NULL CHECK (token_type IN ('access', 'refresh', 'family')),
    user_id     uuid REFERENCES users(id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_token_revocations_expires ON token_revocations(expires_at);

CREATE TABLE ingest_batches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    source          text NOT NULL,
    filename        text,
    format          text NOT NULL,
    status          text NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'undone')),
    rows_read       integer NOT NULL DEFAULT 0,
    rows_inserted   integer NOT NULL DEFAULT 0,
    rows_updated    integer NOT NULL DEFAULT 0,
    rows_unchanged  integer NOT NULL DEFAULT 0,
    rows_rejected   integer NOT NULL DEFAULT 0,
    first_at        timestamptz,
    last_at         timestamptz,
    duration_ms     integer,
    undone_at       timestamptz,
    report          jsonb
);
CREATE INDEX ix_ingest_batches_created ON ingest_batches(created_at DESC);
