-- Section scores with their drivers, training programs, AI chart insights.

CREATE TABLE section_scores (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wrestler_id  uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    section_key  text NOT NULL CHECK (section_key IN ('overall', 'overview', 'body_composition', 'bloodwork',
                                                      'recovery', 'supplements', 'bodybuilding_performance')),
    score        double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    grade        text NOT NULL CHECK (grade IN ('good', 'warning', 'bad')),
    recorded_at  timestamptz NOT NULL,            -- time of the newest input the score reflects
    computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_section_scores_wrestler_section_recorded
    ON section_scores(wrestler_id, section_key, recorded_at);

CREATE TABLE score_drivers (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    section_score_id  bigint NOT NULL REFERENCES section_scores(id) ON DELETE CASCADE,
    metric_name       text NOT NULL,
    impact            text NOT NULL CHECK (impact IN ('+', '-')),
    weight            double precision NOT NULL CHECK (weight BETWEEN 0 AND 1),
    value             double precision,
    contribution      double precision
);
CREATE INDEX ix_score_drivers_section_score_id ON score_drivers(section_score_id);

CREATE TABLE training_programs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wrestler_id  uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    date         date NOT NULL,
    title        text,
    focus        text,
    readiness    integer CHECK (readiness BETWEEN 1 AND 10),
    session_rpe  integer CHECK (session_rpe BETWEEN 1 AND 10),
    bodyweight   double precision CHECK (bodyweight BETWEEN 30 AND 200),
    hydration    double precision CHECK (hydration BETWEEN 0 AND 10),
    notes        text,
    nutrition    text,
    recovery     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (wrestler_id, date)
);

CREATE TABLE training_program_blocks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    program_id  uuid NOT NULL REFERENCES training_programs(id) ON DELETE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,
    sets        integer NOT NULL CHECK (sets BETWEEN 0 AND 100),
    reps        text NOT NULL,
    load        double precision CHECK (load >= 0),
    notes       text,
    UNIQUE (program_id, position)
);

-- Per-set detail as sent (reps and weight of each set).
CREATE TABLE training_program_sets (
    block_id  uuid NOT NULL REFERENCES training_program_blocks(id) ON DELETE CASCADE,
    position  integer NOT NULL,
    reps      integer NOT NULL CHECK (reps BETWEEN 0 AND 1000),
    weight    double precision NOT NULL CHECK (weight BETWEEN 0 AND 1000),
    PRIMARY KEY (block_id, position)
);

CREATE TABLE training_program_ai_recommendations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    program_id      uuid NOT NULL REFERENCES training_programs(id) ON DELETE CASCADE,
    position        integer NOT NULL,
    recommendation  text NOT NULL
);
CREATE INDEX ix_training_program_ai_recommendations_program ON training_program_ai_recommendations(program_id);

CREATE TABLE ai_chart_insights (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wrestler_id           uuid NOT NULL REFERENCES wrestlers(id) ON DELETE CASCADE,
    chart_id              text NOT NULL,
    input_hash            text NOT NULL,
    kind                  text NOT NULL DEFAULT 'chart' CHECK (kind IN ('chart', 'advanced')),
    locale                text NOT NULL DEFAULT 'fa-IR',
    model                 text,
    summary               text NOT NULL,
    patterns_json         jsonb,
    recommendations_json  jsonb,
    warnings_json         jsonb,
    anomalies_json        jsonb,
    confidence            double precision CHECK (confidence BETWEEN 0 AND 1),
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_ai_chart_insights_wrestler_id ON ai_chart_insights(wrestler_id);
CREATE UNIQUE INDEX uq_ai_insight_hash ON ai_chart_insights(wrestler_id, chart_id, input_hash);
