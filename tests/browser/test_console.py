"""The console in a real browser with no network: signing in and out, CSRF, tenants, read
clients, the building day view as drawn — 92 and 100 quarter hours on the days clocks
change, shaded gaps, the cheapest window, now — with a screenshot kept for review, and a
price series' page drawn by the same script."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import (
    OfflineContext,
    Partner,
    Served,
    save_screenshot,
    sign_in,
)
from tests.support.days import LONG_DAY, SHORT_DAY, VIENNA, prices, quarter_hours

pytestmark = pytest.mark.slow

CHART = 'canvas[data-chart="effective-prices"]'
DRAWN = f"{CHART}[data-drawn-steps]"
UNKNOWN = [217, 217, 217]  # day-chart.js: UNKNOWN
WINDOW = [31, 79, 209]  # WINDOW
NOW = [17, 17, 17]  # NOW


def _home(
    partner: Partner, *days: date, skip_local_hours: range = range(0), **fields: Any
) -> tuple[str, str]:
    """A user with a Vienna building whose contract has every quarter hour of ``days``
    (but those starting in ``skip_local_hours``), and ``fields``."""
    user = partner.user()
    building = partner.building(user["id"], timezone="Europe/Vienna")
    instants = [
        instant
        for day in days
        for instant in quarter_hours(day)
        if instant.astimezone(VIENNA).hour not in skip_local_hours
    ]
    partner.contract(
        user["id"],
        building_id=building["id"],
        price_interval_minutes=15,
        energy_prices=prices(instants),
        **fields,
    )
    return user["id"], building["id"]


def _day_view(page: Page, served: Served, user_id: str, building_id: str, **query: Any) -> None:
    arguments = "&".join(f"{name}={value}" for name, value in query.items())
    page.goto(f"{served.base_url}/console/users/{user_id}/buildings/{building_id}?{arguments}")
    page.wait_for_selector(DRAWN)


def _drawn(page: Page) -> dict[str, str]:
    drawn: dict[str, str] = page.eval_on_selector(CHART, "canvas => ({...canvas.dataset})")
    return drawn


def _pixel(
    page: Page, minute: float, fraction: float, offset: float = 0, chart: str = CHART
) -> list[int]:
    """The chart's colour at ``minute`` of the day, ``fraction`` down its plot area."""
    colour: list[int] = page.evaluate(
        """([minute, fraction, offset, selector]) => {
            const canvas = document.querySelector(selector);
            const chart = Chart.getChart(canvas);
            const area = chart.chartArea, ratio = chart.currentDevicePixelRatio;
            const x = Math.round(chart.scales.x.getPixelForValue(minute)) * ratio;
            const y = Math.round(area.top + (area.bottom - area.top) * fraction + offset) * ratio;
            return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
        }""",
        [minute, fraction, offset, chart],
    )
    return colour


def _tick_labels(page: Page) -> list[str]:
    labels: list[str] = page.evaluate(
        f"Chart.getChart(document.querySelector('{CHART}')).scales.x.ticks.map(t => t.label)"
    )
    return labels


# --- signing in and out, CSRF, tenants, scopes ---------------------------------------------


def test_a_copied_cookie_stops_working_after_sign_out(
    served: Served, partner: Partner, page: Page, browser: Browser
) -> None:
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    assert page.locator("#sign-out").is_visible()
    cookies = [c for c in page.context.cookies() if c["name"] == "energy_console"]
    assert [(c["httpOnly"], c["sameSite"], c["path"]) for c in cookies] == [
        (True, "Strict", "/console")
    ]

    page.click("#sign-out")
    page.wait_for_url(f"{served.base_url}/console/sign-in")

    thief = OfflineContext(browser)
    try:
        thief.context.add_cookies(cookies)  # type: ignore[arg-type]
        stolen = thief.new_page()
        stolen.goto(f"{served.base_url}/console/")
        assert stolen.url == f"{served.base_url}/console/sign-in"
        assert stolen.locator("input[name=client_secret]").count() == 1
    finally:
        thief.context.close()
    assert thief.elsewhere == []


def test_a_form_with_a_forged_csrf_token_is_refused(
    served: Served, partner: Partner, page: Page
) -> None:
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    page.goto(f"{served.base_url}/console/users")

    page.eval_on_selector(
        "#new-user input[name=_csrf_token]", "input => { input.value = 'f'.repeat(128); }"
    )
    page.fill("#new-user input[name=email]", "forged@example.com")
    page.click("#new-user button[type=submit]")

    assert page.locator("h1").inner_text() == "403 · Not allowed"
    assert "CSRF token verification failed" in page.locator("main").inner_text()
    assert partner.api.get(f"{partner.base}/users").json() == []


def test_another_organisations_building_is_the_404_page(
    served: Served, partner: Partner, page: Page
) -> None:
    other_org = served.operator.organisation()
    other_id, other_secret = served.operator.client(other_org, scope="read write")
    user_id, building_id = _home(partner, LONG_DAY)

    sign_in(page, served.base_url, other_id, other_secret)
    response = page.goto(
        f"{served.base_url}/console/users/{user_id}/buildings/{building_id}?day={LONG_DAY}"
    )

    assert response is not None
    assert response.status == 404
    assert page.locator("h1").inner_text() == "404 · Not found"
    assert page.locator(CHART).count() == 0


def test_a_read_client_sees_no_write_controls_and_is_refused_a_write(
    served: Served, partner: Partner, page: Page
) -> None:
    reader_id, reader_secret = served.operator.client(partner.org_id, scope="read")
    sign_in(page, served.base_url, reader_id, reader_secret)
    page.goto(f"{served.base_url}/console/users")

    assert page.locator(".who .scope").inner_text() == "read only"
    assert page.locator("#new-user").count() == 0
    assert page.locator("form[method=post][action='/console/users']").count() == 0

    # A hand-made form with this browser's valid CSRF token: the server still refuses it.
    page.evaluate(
        """() => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/console/users';
            const token = document.querySelector('input[name=_csrf_token]').cloneNode();
            const email = Object.assign(document.createElement('input'),
                                        {name: 'email', value: 'reader@example.com'});
            form.append(token, email);
            document.body.append(form);
            form.submit();
        }"""
    )
    page.wait_for_selector("section.problem")
    assert page.locator("h1").inner_text() == "403 · Not allowed"
    assert "This client may only read." in page.locator("main").inner_text()
    assert partner.api.get(f"{partner.base}/users").json() == []


def test_users_are_found_by_email_as_one_types(
    served: Served, partner: Partner, page: Page
) -> None:
    wanted = partner.user(external_user_id="crm-42")
    partner.user()
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    page.goto(f"{served.base_url}/console/users")
    assert page.locator("#users tbody tr").count() == 2

    page.fill("input[name=q]", wanted["email"].upper())
    page.wait_for_function("document.querySelectorAll('#users tbody tr').length === 1")

    assert page.locator("#users tbody tr td").nth(1).inner_text() == "crm-42"
    # htmx swapped the results in place and put the search in the address bar.
    assert page.url == f"{served.base_url}/console/users?q={quote(wanted['email'].upper())}"


# --- the day view --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "quarters", "minutes", "twice_two_oclock"),
    [(SHORT_DAY, 92, 23 * 60, 0), (LONG_DAY, 100, 25 * 60, 2)],
)
def test_the_days_clocks_change_are_drawn_as_they_pass(
    served: Served,
    partner: Partner,
    page: Page,
    day: date,
    quarters: int,
    minutes: int,
    twice_two_oclock: int,
) -> None:
    user_id, building_id = _home(partner, day)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id, day=day.isoformat())

    drawn = _drawn(page)
    assert drawn["intervals"] == str(quarters)
    assert drawn["drawnSteps"] == str(quarters)
    assert drawn["drawnGaps"] == "0"
    assert drawn["drawnMinutes"] == str(minutes)
    assert _tick_labels(page).count("02:00") == twice_two_oclock
    assert page.locator("#prices tbody tr").count() == quarters


def test_an_unknown_stretch_is_shaded_and_labelled(
    served: Served, partner: Partner, page: Page
) -> None:
    user_id, building_id = _home(partner, LONG_DAY, skip_local_hours=range(19, 21))
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id, day=LONG_DAY.isoformat())

    drawn = _drawn(page)
    assert drawn["intervals"] == "93"  # 92 quarter hours and one unknown stretch
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == ("92", "1")
    gap_middle = 20 * 60 + 60  # 20:00 local, an hour later than the clock says (25-hour day)
    assert _pixel(page, gap_middle, 0.8) == UNKNOWN
    assert _pixel(page, gap_middle - 150, 0.8) != UNKNOWN
    unknown_rows = page.locator("#prices tbody tr.unknown")
    assert unknown_rows.count() == 1
    assert unknown_rows.locator("td").nth(2).inner_text() == "unknown"
    assert unknown_rows.locator("td").first.inner_text() == "19:00 +01:00"


def test_the_cheapest_window_is_highlighted_with_its_average(
    served: Served, partner: Partner, page: Page
) -> None:
    user_id, building_id = _home(partner, SHORT_DAY)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    _day_view(page, served, user_id, building_id, day=SHORT_DAY.isoformat())

    page.select_option("select[name=window]", "60")
    page.wait_for_url("**window=60")
    page.wait_for_selector(DRAWN)

    answer = partner.api.get(
        f"{partner.base}/users/{user_id}/buildings/{building_id}/cheapest-window",
        params={"minutes": 60, "from": "2025-03-29T23:00:00Z", "to": "2025-03-30T22:00:00Z"},
    ).json()
    start = datetime.fromisoformat(answer["start"])
    assert answer["start"] == "2025-03-30T09:00:00Z"
    assert page.locator("#window-average").inner_text() == str(answer["average_price"])
    assert "11:00 +02:00 – 12:00 +02:00" in page.locator("#cheapest-window").inner_text()
    assert _drawn(page)["drawnWindow"] == "true"
    window_middle = (start - datetime(2025, 3, 29, 23, tzinfo=UTC)) / timedelta(minutes=1) + 30
    assert _pixel(page, window_middle, 0, offset=4) == WINDOW
    assert _pixel(page, window_middle - 120, 0, offset=4) != WINDOW


def test_now_is_a_line_on_todays_chart_only(served: Served, partner: Partner, page: Page) -> None:
    user_id, building_id = _home(partner)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id)  # today, in the building's clock

    assert _drawn(page)["drawnNow"] == "true"
    now_minute = page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById('chart-data').textContent);
            return (Date.parse(data.now) - Date.parse(data.answer.from)) / 60000;
        }"""
    )
    assert _pixel(page, now_minute, 0.5) == NOW

    page.click("#previous-day")
    page.wait_for_selector(DRAWN)
    assert _drawn(page)["drawnNow"] == "false"


def test_previous_and_next_day_and_the_csv_download(
    served: Served, partner: Partner, page: Page
) -> None:
    user_id, building_id = _home(partner, LONG_DAY)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    _day_view(page, served, user_id, building_id, day=(LONG_DAY - timedelta(days=1)).isoformat())
    assert _drawn(page)["intervals"] == "1"

    page.click("#next-day")
    page.wait_for_url(f"**day={LONG_DAY.isoformat()}**")
    page.wait_for_selector(DRAWN)
    assert _drawn(page)["intervals"] == "100"

    with page.expect_download() as download:
        page.click("#csv")
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 100
    assert rows[0]["start"] == "2025-10-26T00:00:00+02:00"
    assert Decimal(rows[0]["price"]) == Decimal(str(prices(quarter_hours(LONG_DAY))[0]["price"]))


def test_a_25_hour_day_as_support_staff_see_it(
    served: Served, partner: Partner, page: Page
) -> None:
    """The screenshot kept for review (and shown in the README): a building contract of
    quarter hours with an evening gap that the user's hourly contract fills in part, both
    with all-in prices."""
    all_in = {"energy_price_includes_external_components": True}
    user_id, building_id = _home(partner, LONG_DAY, skip_local_hours=range(19, 21), **all_in)
    evening = datetime(2025, 10, 26, 19, tzinfo=VIENNA).astimezone(UTC)
    partner.contract(
        user_id,
        price_interval_minutes=60,
        energy_prices=[{"price": 0.295, "timestamp": evening.isoformat()}],
        **all_in,
    )
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id, day=LONG_DAY.isoformat(), window=120)

    drawn = _drawn(page)
    assert drawn["intervals"] == "94"  # 92 quarter hours, the user's hour, one unknown hour
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == ("93", "1")
    assert page.locator("#prices tbody tr td:nth-child(5)", has_text="user").count() == 1
    assert page.locator("#price-basis").inner_text() == "all_in"
    for shot in (
        save_screenshot(page, "day-view-25-hours.png"),  # what docs/ and the README show
        save_screenshot(page, "day-view-25-hours-full.png", full_page=True),
    ):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# A real tariff, created through the API (SPEC §11's §14a example, Vienna): grid 0.0225 from
# 00:00 to 06:00 and 0.1124 from 17:00 to 20:00 on weekdays (January–March, October–
# December), 0.0749 otherwise; a levy of 0.015; VAT 20 %, none on a negative net price.
TARIFF = {
    "name": "Wiener Netze 2025, §14a module 3",
    "currency": "EUR",
    "timezone": "Europe/Vienna",
    "vat_percent": 20,
    "vat_on_negative": False,
    "standing_charge_per_day": 0.41,
    "components": [
        {
            "name": "grid energy",
            "kind": "grid",
            "default_price": 0.0749,
            "windows": [
                {"price": 0.0225, "months": [1, 2, 3, 10, 11, 12], "from": "00:00", "to": "06:00"},
                {"price": 0.1124, "months": [1, 2, 3, 10, 11, 12], "weekdays": [1, 2, 3, 4, 5],
                 "from": "17:00", "to": "20:00"},
            ],
        },
        {"name": "electricity levy", "kind": "levy", "price": 0.015},
    ],
}  # fmt: skip
CSV_HEADER = [
    "start", "end", "price", "energy", "grid", "levy", "other", "vat",
    "includes_external_components", "price_basis", "level", "source", "contract_id",
    "series_id", "tariff_id",
]  # fmt: skip
TABLE_HEADER = [
    "From", "To", "Price", "Energy", "Grid", "Levy", "Other", "VAT", "Level", "Source",
    "Contract",
]  # fmt: skip
# Each stretch: local start, local end, price (total), energy, grid, levy, other, VAT.
# With energy 0.1 (the contract's own, energy-only):
#   night   00–06: net 0.1 + 0.0225 + 0.015 = 0.1375; VAT 0.1375 × 0.2 = 0.0275;  0.165
#   day     06–17: net 0.1 + 0.0749 + 0.015 = 0.1899; VAT 0.1899 × 0.2 = 0.03798; 0.22788
#   evening 17–20: net 0.1 + 0.1124 + 0.015 = 0.2274; VAT 0.2274 × 0.2 = 0.04548; 0.27288
# With energy -0.2 (12:00–13:00 on the Wednesday):
#   net -0.2 + 0.0749 + 0.015 = -0.1101 < 0, no VAT on it: -0.1101
NIGHT = ["0.165", "0.1", "0.0225", "0.015", "0", "0.0275"]
DAY = ["0.22788", "0.1", "0.0749", "0.015", "0", "0.03798"]
EVENING = ["0.27288", "0.1", "0.1124", "0.015", "0", "0.04548"]
NEGATIVE = ["-0.1101", "-0.2", "0.0749", "0.015", "0", "0"]
WEDNESDAY = date(2025, 1, 15)  # CET all day, a weekday: the evening window applies
WEDNESDAY_STRETCHES = [
    ("2025-01-15T00:00:00+01:00", "2025-01-15T06:00:00+01:00", NIGHT),
    ("2025-01-15T06:00:00+01:00", "2025-01-15T12:00:00+01:00", DAY),
    ("2025-01-15T12:00:00+01:00", "2025-01-15T13:00:00+01:00", NEGATIVE),
    ("2025-01-15T13:00:00+01:00", "2025-01-15T17:00:00+01:00", DAY),
    ("2025-01-15T17:00:00+01:00", "2025-01-15T20:00:00+01:00", EVENING),
    ("2025-01-15T20:00:00+01:00", "2025-01-16T00:00:00+01:00", DAY),
]
# 2025-03-30, the Sunday clocks go forward: 00:00–06:00 lasts five hours (02:00 does not
# happen) and no evening window on a Sunday; energy 0.1 all day.
SHORT_DAY_STRETCHES = [
    ("2025-03-30T00:00:00+01:00", "2025-03-30T06:00:00+02:00", NIGHT),
    ("2025-03-30T06:00:00+02:00", "2025-03-31T00:00:00+02:00", DAY),
]


def _home_with_tariff(partner: Partner) -> tuple[str, str, str, str]:
    """A Vienna building whose energy-only hourly contract names ``TARIFF``: 0.1 every hour
    of ``WEDNESDAY`` (but -0.2 from 12:00 to 13:00) and of ``SHORT_DAY``."""
    tariff = partner.post("tariffs", TARIFF)
    user = partner.user()
    building = partner.building(user["id"], timezone="Europe/Vienna")
    wednesday = datetime(2025, 1, 14, 23, tzinfo=UTC)
    short_day = datetime(2025, 3, 29, 23, tzinfo=UTC)
    hourly = [
        {
            "price": -0.2 if k == 12 else 0.1,
            "timestamp": (wednesday + timedelta(hours=k)).isoformat(),
        }
        for k in range(24)
    ] + [
        {"price": 0.1, "timestamp": (short_day + timedelta(hours=k)).isoformat()} for k in range(23)
    ]
    contract = partner.contract(
        user["id"],
        building_id=building["id"],
        price_interval_minutes=60,
        energy_price_includes_external_components=False,
        tariff_id=tariff["id"],
        energy_prices=hourly,
    )
    return user["id"], building["id"], contract["id"], tariff["id"]


def _table(page: Page) -> tuple[list[str], list[list[str]]]:
    header: list[str] = page.eval_on_selector_all(
        "#prices thead th", "cells => cells.map(c => c.innerText.trim())"
    )
    rows: list[list[str]] = page.eval_on_selector_all(
        "#prices tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )
    return header, rows


def _chart_parts(page: Page) -> dict[str, Any]:
    parts: dict[str, Any] = page.evaluate(
        f"""() => {{
            const chart = Chart.getChart(document.querySelector('{CHART}'));
            return {{labels: chart.data.datasets.map(d => d.label),
                     legend: chart.options.plugins.legend.display}};
        }}"""
    )
    return parts


def _csv(page: Page) -> list[list[str]]:
    with page.expect_download() as download:
        page.click("#csv")
    return list(csv.reader(io.StringIO(download.value.path().read_text())))


@pytest.mark.parametrize(
    ("day", "stretches", "minutes"),
    [(WEDNESDAY, WEDNESDAY_STRETCHES, 24 * 60), (SHORT_DAY, SHORT_DAY_STRETCHES, 23 * 60)],
)
def test_a_real_tariffs_breakdown_in_the_chart_the_table_and_the_csv(
    served: Served,
    partner: Partner,
    page: Page,
    day: date,
    stretches: list[tuple[str, str, list[str]]],
    minutes: int,
) -> None:
    user_id, building_id, contract_id, tariff_id = _home_with_tariff(partner)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id, day=day.isoformat())

    # The chart: the total, and beneath it the five parts stacked, with a legend.
    assert _chart_parts(page) == {
        "labels": ["price", "energy", "grid", "levy", "other", "vat"],
        "legend": True,
    }
    drawn = _drawn(page)
    assert drawn["intervals"] == str(len(stretches))
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == (str(len(stretches)), "0")
    assert drawn["drawnMinutes"] == str(minutes)
    assert page.locator("#price-basis").inner_text() == "all_in"
    # At 09:30 local (day stretch: energy 0.1, grid 0.0749), halfway up the energy part and
    # halfway up the grid part above it: energy is blue, grid orange (day-chart.js PARTS).
    half_past_nine = 9 * 60 + 30 - (60 if day == SHORT_DAY else 0)  # 02:00 never happened
    colours = f"""([minute, values]) => {{
            const canvas = document.querySelector('{CHART}');
            const chart = Chart.getChart(canvas);
            const ratio = chart.currentDevicePixelRatio;
            const x = Math.round(chart.scales.x.getPixelForValue(minute)) * ratio;
            const colour = value => {{
                const y = Math.round(chart.scales.y.getPixelForValue(value)) * ratio;
                const pixel = canvas.getContext('2d').getImageData(x, y, 1, 1).data;
                return Array.from(pixel.slice(0, 3));
            }};
            return values.map(colour);
        }}"""
    energy, grid = page.evaluate(colours, [half_past_nine, [0.1 / 2, 0.1 + 0.0749 / 2]])
    assert energy[2] > energy[1] > energy[0]  # blue
    assert grid[0] > grid[1] > grid[2]  # orange

    # The table: the breakdown's columns, exactly the hand-computed values, the wall clock
    # with its offset.
    header, rows = _table(page)
    assert header == TABLE_HEADER
    source = f"building · tariff {TARIFF['name']}"

    def wall_clock(instant: str) -> str:
        return f"{instant[11:16]} {instant[19:]}"

    assert [row[:8] + row[9:] for row in rows] == [
        [wall_clock(start), wall_clock(end), *values, source, contract_id]
        for start, end, values in stretches
    ]

    # The CSV: the same, with the instants, the basis and the tariff's id; levels are the
    # API's (its rule, on the totals).
    api = partner.api.get(
        f"{partner.base}/users/{user_id}/buildings/{building_id}/effective-prices",
        params={"day": day.isoformat()},
    ).json()
    lines = _csv(page)
    assert lines[0] == CSV_HEADER
    assert lines[1:] == [
        [start, end, *values, "true", "all_in", interval["level"], "building", contract_id, "",
         tariff_id]
        for (start, end, values), interval in zip(stretches, api["intervals"], strict=True)
    ]  # fmt: skip
    assert [row[8] for row in rows] == [interval["level"] for interval in api["intervals"]]
    if day == WEDNESDAY:
        # At 12:30 the energy part (-0.2) goes down from zero and the grid part (0.0749)
        # up from zero: stacked by sign, neither overlaps the other.
        energy, grid = page.evaluate(colours, [12 * 60 + 30, [-0.2 / 2, 0.0749 / 2]])
        assert energy[2] > energy[1] > energy[0]  # blue
        assert grid[0] > grid[1] > grid[2]  # orange
        # The cheapest two hours are on the total: 11:00–13:00, (0.22788 - 0.1101) / 2.
        assert page.locator("#window-average").inner_text() == "0.05889"
        for shot in (
            save_screenshot(page, "day-view-tariff.png"),  # what docs/tariffs.md shows
            save_screenshot(page, "day-view-tariff-full.png", full_page=True),
        ):
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- a price series' page ------------------------------------------------------------------


SERIES_CHART = 'canvas[data-chart="series-prices"]'


def _series(partner: Partner, *days: date, skip_local_hours: range = range(0)) -> dict[str, Any]:
    """A 15-minute Vienna series with every quarter hour of ``days`` but those starting in
    ``skip_local_hours``."""
    series = partner.post(
        "price-series",
        {
            "name": "EPEX AT",
            "interval_minutes": 15,
            "timezone": "Europe/Vienna",
            "area": "10YAT-APG",
        },
    )
    instants = [
        instant
        for day in days
        for instant in quarter_hours(day)
        if instant.astimezone(VIENNA).hour not in skip_local_hours
    ]
    response = partner.api.put(
        f"{partner.base}/price-series/{series['id']}/prices",
        json={"energy_prices": prices(instants)},
    )
    assert response.status_code == 200, response.text
    return series


def _series_page(page: Page, served: Served, series_id: str, **query: Any) -> dict[str, str]:
    arguments = "&".join(f"{name}={value}" for name, value in query.items())
    page.goto(f"{served.base_url}/console/series/{series_id}?{arguments}")
    page.wait_for_selector(f"{SERIES_CHART}[data-drawn-steps]")
    assert page.locator(CHART).count() == 0
    drawn: dict[str, str] = page.eval_on_selector(SERIES_CHART, "canvas => ({...canvas.dataset})")
    return drawn


@pytest.mark.parametrize(
    ("day", "quarters", "minutes", "twice_two_oclock"),
    [(SHORT_DAY, 92, 23 * 60, 0), (LONG_DAY, 100, 25 * 60, 2)],
)
def test_a_series_day_is_drawn_as_its_clock_passes(
    served: Served,
    partner: Partner,
    page: Page,
    day: date,
    quarters: int,
    minutes: int,
    twice_two_oclock: int,
) -> None:
    series = _series(partner, day)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    drawn = _series_page(page, served, series["id"], day=day.isoformat())

    assert drawn["intervals"] == str(quarters)
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == (str(quarters), "0")
    assert drawn["drawnMinutes"] == str(minutes)
    assert drawn["drawnWindow"] == "false"
    labels: list[str] = page.evaluate(
        f"Chart.getChart(document.querySelector('{SERIES_CHART}')).scales.x.ticks.map(t => t.label)"
    )
    assert labels.count("02:00") == twice_two_oclock
    assert page.locator("#prices tbody tr").count() == quarters


def test_a_series_gap_is_shaded_and_the_days_link(
    served: Served, partner: Partner, page: Page
) -> None:
    series = _series(partner, LONG_DAY, skip_local_hours=range(19, 21))
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    page.goto(f"{served.base_url}/console/series")
    page.click(f"a[href='/console/series/{series['id']}']")
    page.wait_for_selector(f"{SERIES_CHART}[data-drawn-steps]")
    assert page.locator("#prices-known-until").inner_text() == "2025-10-26 23:00 UTC (ran out)"

    drawn = _series_page(page, served, series["id"], day=LONG_DAY.isoformat())

    # One interval per quarter hour, unknown ones included: 92 known, 8 unknown.
    assert drawn["intervals"] == "100"
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == ("92", "8")
    gap_middle = 20 * 60 + 60  # 20:00 local, an hour later than the clock says (25-hour day)
    assert _pixel(page, gap_middle, 0.8, chart=SERIES_CHART) == UNKNOWN
    assert _pixel(page, gap_middle - 150, 0.8, chart=SERIES_CHART) != UNKNOWN
    unknown_rows = page.locator("#prices tbody tr.unknown")
    assert unknown_rows.count() == 8
    assert unknown_rows.locator("td").first.inner_text() == "19:00 +01:00"
    assert unknown_rows.first.locator("td").nth(2).inner_text() == "unknown"
    save_screenshot(page, "series-page-25-hours.png")

    page.click("#next-day")
    page.wait_for_url(f"**day={(LONG_DAY + timedelta(days=1)).isoformat()}")
    page.wait_for_selector(f"{SERIES_CHART}[data-drawn-steps]")
    after = page.eval_on_selector(SERIES_CHART, "canvas => ({...canvas.dataset})")
    assert (after["intervals"], after["drawnSteps"], after["drawnGaps"]) == ("96", "0", "96")
    page.click("#previous-day")
    page.wait_for_url(f"**day={LONG_DAY.isoformat()}")
    lines = _csv(page)
    assert lines[0] == ["start", "end", "price", "level"]
    assert len(lines) == 1 + 100
    assert [line[2] for line in lines[1:]].count("") == 8


def test_now_is_a_line_on_todays_series_chart(served: Served, partner: Partner, page: Page) -> None:
    series = _series(partner)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    drawn = _series_page(page, served, series["id"])  # today, in the series' clock

    assert drawn["drawnNow"] == "true"
    assert page.locator("#prices-known-until").inner_text() == "no prices"
