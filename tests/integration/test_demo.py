"""The demo federation: the pure generator (size, determinism, physiology) and its load through the
write path (ranges, every domain, snapshots, scores, accounts, --if-empty, replacement)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import polars as pl
import pytest

from core.config import Settings
from core.domains import DOMAIN_KEYS
from core.security import verify_password
from db import catalog as catalog_sql
from db.types import PgConn
from demo.generate import SCENARIOS, DemoSpec, Federation, generate
from demo.load import ACCOUNTS, DemoSummary, load_demo
from tests.helpers import create_wrestler

END = date(2025, 6, 30)
SMALL = DemoSpec(wrestlers=4, days=40, hr_step_minutes=10)


@pytest.fixture(scope="module")
def full() -> Federation:
    return generate(DemoSpec(), end=END)


async def _load(conn: PgConn, spec: DemoSpec = SMALL, **kw: bool) -> DemoSummary | None:
    return await load_demo(conn, spec, end=END, now=None, bcrypt_rounds=4, **kw)


async def _series_count(conn: PgConn) -> int:
    total = 0
    for d in DOMAIN_KEYS:
        total += int(await conn.fetchval(f"SELECT count(*) FROM {d}_series") or 0)
    return total


class TestDemoGenerator:
    def test_full_federation_has_a_million_points(self, full: Federation) -> None:
        assert full.points.height >= 1_000_000
        assert full.wrestlers.height == 24
        assert full.wrestlers.get_column("team").n_unique() == 2

    def test_full_federation_stays_inside_weight_classes_limits(self, full: Federation) -> None:
        classes = full.wrestlers.get_column("weight_class")
        assert classes.min() >= 50 and classes.max() <= 150  # type: ignore[operator]
        assert set(full.wrestlers.get_column("status")) == {"competition_ready", "normal", "attention"}

    def test_same_seed_gives_same_points(self) -> None:
        a = generate(SMALL, end=END).points
        b = generate(SMALL, end=END).points
        assert a.equals(b)

    def test_other_seed_gives_other_values(self) -> None:
        a = generate(SMALL, end=END).points
        b = generate(DemoSpec(wrestlers=4, days=40, hr_step_minutes=10, seed=7), end=END).points
        assert not a.get_column("value").equals(b.get_column("value"))

    def test_nothing_after_now(self) -> None:
        now = datetime(2025, 6, 30, 6, 0, tzinfo=UTC)
        points = generate(SMALL, end=END, now=now).points
        assert points.get_column("recorded_at").max() <= now  # type: ignore[operator]

    def test_wrestlers_cut_three_to_six_percent_before_competitions(self, full: Federation) -> None:
        cuts = (
            full.points.filter(pl.col("key") == "weight")
            .join(full.wrestlers, on="external_id")
            .filter(pl.col("weight_class") < 125)
            .group_by("external_id", "weight_class")
            .agg(top=pl.col("value").quantile(0.9), low=pl.col("value").min())
            .with_columns(cut=1 - pl.col("low") / pl.col("top"))
        )
        scenario = [f"FED-{i + 1:04d}" for i in SCENARIOS]
        usual = cuts.filter(~pl.col("external_id").is_in(scenario))
        assert usual.get_column("cut").min() >= 0.025  # type: ignore[operator]
        assert usual.get_column("cut").max() <= 0.08  # type: ignore[operator]
        # The too-fast cutter loses far more than 1.5 % a week over its 12 days.
        assert cuts.filter(pl.col("external_id") == "FED-0002").get_column("cut")[0] > 0.07
        # Making weight: the lightest weigh-in is within the class.
        assert cuts.filter(pl.col("low") > pl.col("weight_class")).height == 0

    async def test_every_generated_value_is_inside_its_catalog_range(
        self, conn: PgConn, full: Federation
    ) -> None:
        catalog = await catalog_sql.metrics_frame(conn)
        joined = full.points.join(catalog, on="key", how="left")
        assert joined.filter(pl.col("metric_id").is_null()).height == 0
        outside = joined.filter(
            (pl.col("value") < pl.col("min_value")) | (pl.col("value") > pl.col("max_value"))
        )
        assert outside.height == 0, outside.group_by("key").len()


class TestLoadDemo:
    async def test_every_domain_has_rows(self, conn: PgConn) -> None:
        summary = await _load(conn)
        assert summary is not None
        for domain in DOMAIN_KEYS:
            stored = await conn.fetchval(f"SELECT count(*) FROM {domain}_series WHERE source = 'demo'")
            assert stored > 0 and stored == summary.rows[domain], domain

    async def test_stored_values_are_inside_catalog_ranges(self, conn: PgConn) -> None:
        await _load(conn)
        for domain in DOMAIN_KEYS:
            outside = await conn.fetchval(f"""
                SELECT count(*) FROM {domain}_series s JOIN metric_definitions m ON m.id = s.metric_id
                 WHERE s.value < m.min_value OR s.value > m.max_value OR m.domain <> '{domain}'""")
            assert outside == 0, domain

    async def test_snapshots_hold_the_latest_points(self, conn: PgConn) -> None:
        await _load(conn)
        for domain in DOMAIN_KEYS:
            wrong = await conn.fetchval(f"""
                WITH latest AS (
                    SELECT DISTINCT ON (wrestler_id, metric_id) wrestler_id, metric_id, value, recorded_at
                      FROM {domain}_series ORDER BY wrestler_id, metric_id, recorded_at DESC)
                SELECT count(*) FROM latest l
                  FULL JOIN {domain}_metrics m USING (wrestler_id, metric_id)
                 WHERE m.value IS DISTINCT FROM l.value OR m.recorded_at IS DISTINCT FROM l.recorded_at""")
            assert wrong == 0, domain

    async def test_daily_aggregates_count_every_point(self, conn: PgConn) -> None:
        summary = await _load(conn)
        assert summary is not None
        for domain in DOMAIN_KEYS:
            counted = await conn.fetchval(f"SELECT sum(sample_count) FROM {domain}_daily")
            assert counted == summary.rows[domain], domain

    async def test_section_scores_exist_for_every_wrestler(self, conn: PgConn) -> None:
        await _load(conn)
        scored = await conn.fetchval(
            "SELECT count(DISTINCT wrestler_id) FROM section_scores WHERE section_key = 'overall'"
        )
        assert scored == SMALL.wrestlers

    async def test_demo_accounts_have_the_printed_passwords(self, conn: PgConn) -> None:
        summary = await _load(conn)
        assert summary is not None and [a.email for a in summary.accounts] == [a.email for a in ACCOUNTS]
        for account in ACCOUNTS:
            row = await conn.fetchrow(
                """SELECT u.password_hash, u.role, t.name AS team, w.external_id FROM users u
                     LEFT JOIN teams t ON t.id = u.team_id LEFT JOIN wrestlers w ON w.id = u.wrestler_id
                    WHERE u.email = $1""",
                account.email,
            )
            assert row is not None and row["role"] == account.role
            assert verify_password(account.password, row["password_hash"])
            assert (row["team"] is not None) == (account.role == "coach")
            assert row["external_id"] == account.wrestler

    async def test_if_empty_is_a_no_op_the_second_time(self, conn: PgConn) -> None:
        first = await _load(conn, if_empty=True)
        rows, batches = await _series_count(conn), await conn.fetchval("SELECT max(id) FROM ingest_batches")
        second = await _load(conn, if_empty=True)
        assert first is not None and second is None
        assert await _series_count(conn) == rows
        assert await conn.fetchval("SELECT max(id) FROM ingest_batches") == batches

    async def test_if_empty_skips_a_database_with_other_wrestlers(self, conn: PgConn) -> None:
        await create_wrestler(conn, name_en="Someone Else")
        assert await _load(conn, if_empty=True) is None
        assert await _series_count(conn) == 0

    async def test_reload_replaces_the_demo_and_keeps_other_wrestlers(self, conn: PgConn) -> None:
        other = await create_wrestler(conn, name_en="Someone Else")
        first = await _load(conn)
        second = await _load(conn)
        assert first is not None and second is not None
        assert second.removed_wrestlers == SMALL.wrestlers
        assert await conn.fetchval("SELECT count(*) FROM wrestlers") == SMALL.wrestlers + 1
        assert await conn.fetchval("SELECT EXISTS (SELECT 1 FROM wrestlers WHERE id = $1)", other)
        assert await conn.fetchval("SELECT count(*) FROM teams") == 2
        assert await conn.fetchval("SELECT count(*) FROM users") == len(ACCOUNTS)
        assert await _series_count(conn) == second.total_rows
        assert await conn.fetchval("SELECT count(*) FROM recovery_daily") == await conn.fetchval(
            "SELECT count(DISTINCT (wrestler_id, metric_id,"
            " time_bucket('1 day', recorded_at, bucket_timezone()))) FROM recovery_series"
        )


async def test_the_demo_shows_weight_management(conn: PgConn, settings: Settings) -> None:
    """Rule sets chosen, plans set, official weigh-ins recorded, and the scenarios flagged."""
    from api.app import create_app
    from core.security import create_token

    await load_demo(conn, DemoSpec(days=120), end=date.today(), now=None, bcrypt_rounds=4)
    assert await conn.fetchval("SELECT count(*) FROM teams WHERE rule_set_id IS NOT NULL") == 2
    assert await conn.fetchval("SELECT count(*) FROM weight_plans") == 24
    assert await conn.fetchval("SELECT count(*) FROM weigh_ins") > 0
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM bloodwork_series s JOIN metric_definitions m ON m.id = s.metric_id"
            " WHERE m.key = 'urine_specific_gravity'"
        )
        > 0
    )
    admin = await conn.fetchval("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
    token, _ = create_token(settings, sub=str(admin), role="admin", type="access")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            headers = {"Authorization": f"Bearer {token}"}
            boards, cards = [], []
            for team in await conn.fetch("SELECT id FROM teams"):
                r = await c.get(f"/api/v1/teams/{team['id']}/weight-board", headers=headers)
                assert r.status_code == 200, r.text
                boards += r.json()["wrestlers"]
                r = await c.get(f"/api/v1/teams/{team['id']}/athletes", headers=headers)
                cards += r.json()["athletes"]
    assert all(c["trainingLoad"] and c["trainingLoad"]["week"]["status"] == "ok" for c in cards), (
        "the team board shows every demo wrestler's latest training load"
    )
    assert len(boards) == 24 and all(b["classKg"] for b in boards)
    assert sum(b["floorKg"] is not None for b in boards) >= 12  # assessments that passed their gate
    assert any(b["flags"] for b in boards), "the demo's cuts raise flags a coach can open"
