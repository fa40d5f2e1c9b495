-- Weight management. Rule sets are versioned data: a changed rule is a new (key, version) row and
-- teams point at the row they plan with. Wrestlers get what the rules need (sex, date of birth,
-- competition style), teams their choices (rule set, a planning body-fat floor, the rapid-loss
-- threshold), each wrestler a plan (target class and date), and official weigh-ins a ledger: a
-- correction is a new row that supersedes the old one with a reason and an actor, never an edit.
CREATE TABLE rule_sets (
    id                  serial PRIMARY KEY,
    key                 text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,31}$'),
    version             integer NOT NULL CHECK (version >= 1),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    min_body_fat_male   double precision CHECK (min_body_fat_male >= 0 AND min_body_fat_male < 50),
    min_body_fat_female double precision CHECK (min_body_fat_female >= 0 AND min_body_fat_female < 50),
    -- fraction of body weight per week; NULL: the rules set none
    weekly_loss_cap     double precision CHECK (weekly_loss_cap > 0 AND weekly_loss_cap <= 0.1),
    cap_basis           text NOT NULL DEFAULT 'compounding' CHECK (cap_basis IN ('compounding', 'linear')),
    -- urine specific gravity a body-fat assessment must be preceded by; NULL: no hydration gate
    usg_max             double precision CHECK (usg_max BETWEEN 1.0 AND 1.04),
    weigh_in            text CHECK (length(weigh_in) <= 1000),
    unit                text NOT NULL CHECK (unit IN ('kg', 'lb')),
    -- {"<style>": [class limits in unit]}; "" names the one list of a rule set without styles
    classes             jsonb NOT NULL CHECK (jsonb_typeof(classes) = 'object'),
    created_by          uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (key, version)
);

INSERT INTO rule_sets (key, version, name, min_body_fat_male, min_body_fat_female, weekly_loss_cap,
                       cap_basis, usg_max, weigh_in, unit, classes) VALUES
    ('nfhs', 1, 'NFHS (US high school)', 7, 12, 0.015, 'compounding', 1.025, 'day of competition', 'lb',
     '{"": [106, 113, 120, 126, 132, 138, 144, 150, 157, 165, 175, 190, 215, 285]}'),
    ('ncaa', 1, 'NCAA (US college)', 5, 5, 0.015, 'compounding', 1.020, 'day of competition', 'lb',
     '{"": [125, 133, 141, 149, 157, 165, 174, 184, 197, 285]}'),
    ('uww', 1, 'UWW (international)', NULL, NULL, NULL, 'compounding', NULL,
     'morning of competition, 30-minute window; finalists and repechage again the next morning (15 minutes, no tolerance)',
     'kg',
     '{"freestyle": [57, 61, 65, 70, 74, 79, 86, 92, 97, 125],
       "greco_roman": [55, 60, 63, 67, 72, 77, 82, 87, 97, 130],
       "women": [50, 53, 55, 57, 59, 62, 65, 68, 72, 76]}');

ALTER TABLE teams
    ADD COLUMN rule_set_id integer REFERENCES rule_sets(id),
    -- the floor a team plans with where the rules set none (UWW) or a stricter one
    ADD COLUMN body_fat_floor_override double precision
        CHECK (body_fat_floor_override >= 0 AND body_fat_floor_override < 50),
    ADD COLUMN rapid_loss_pct double precision NOT NULL DEFAULT 2.0 CHECK (rapid_loss_pct > 0 AND rapid_loss_pct <= 20),
    ADD COLUMN rapid_loss_hours integer NOT NULL DEFAULT 48 CHECK (rapid_loss_hours BETWEEN 1 AND 336);

ALTER TABLE wrestlers
    ADD COLUMN sex text CHECK (sex IN ('male', 'female')),
    ADD COLUMN date_of_birth date CHECK (date_of_birth BETWEEN DATE '1900-01-01' AND DATE '2100-01-01'),
    ADD COLUMN style text CHECK (style ~ '^[a-z_]{1,32}$');

CREATE TABLE weight_plans (
    wrestler_id      uuid PRIMARY KEY REFERENCES wrestlers(id) ON DELETE CASCADE,
    target_class_kg  double precision NOT NULL CHECK (target_class_kg BETWEEN 20 AND 250),
    target_date      date,
    updated_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE weigh_ins (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wrestler_id  uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    weighed_at   timestamptz NOT NULL,
    weight_kg    double precision NOT NULL CHECK (weight_kg BETWEEN 20 AND 250),
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 255),
    event        text CHECK (length(event) <= 255),
    recorded_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    supersedes   uuid UNIQUE REFERENCES weigh_ins(id) ON DELETE CASCADE,
    reason       text CHECK (length(reason) BETWEEN 1 AND 4000),
    batch_id     bigint,
    CHECK ((supersedes IS NULL) = (reason IS NULL))
);
CREATE INDEX ix_weigh_ins_wrestler ON weigh_ins (wrestler_id, weighed_at DESC);
