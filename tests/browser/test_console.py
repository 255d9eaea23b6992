"""The console in a real browser with no network: signing in and out, CSRF, tenants, read
clients, and the building day view as drawn — 92 and 100 quarter hours on the days clocks
change, shaded gaps, the cheapest window, now — with a screenshot kept for review."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Route

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
CHART_DATA = re.compile(r'<script type="application/json" id="chart-data">(.*?)</script>', re.S)


def _home(partner: Partner, *days: date, skip_local_hours: range = range(0)) -> tuple[str, str]:
    """A user with a Vienna building whose contract has every quarter hour of ``days``
    (but those starting in ``skip_local_hours``)."""
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
    )
    return user["id"], building["id"]


def _day_view(page: Page, served: Served, user_id: str, building_id: str, **query: Any) -> None:
    arguments = "&".join(f"{name}={value}" for name, value in query.items())
    page.goto(f"{served.base_url}/console/users/{user_id}/buildings/{building_id}?{arguments}")
    page.wait_for_selector(DRAWN)


def _drawn(page: Page) -> dict[str, str]:
    drawn: dict[str, str] = page.eval_on_selector(CHART, "canvas => ({...canvas.dataset})")
    return drawn


def _pixel(page: Page, minute: float, fraction: float, offset: float = 0) -> list[int]:
    """The chart's colour at ``minute`` of the day, ``fraction`` down its plot area."""
    colour: list[int] = page.evaluate(
        """([minute, fraction, offset]) => {
            const canvas = document.querySelector('canvas[data-chart="effective-prices"]');
            const chart = Chart.getChart(canvas);
            const area = chart.chartArea, ratio = chart.currentDevicePixelRatio;
            const x = Math.round(chart.scales.x.getPixelForValue(minute)) * ratio;
            const y = Math.round(area.top + (area.bottom - area.top) * fraction + offset) * ratio;
            return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
        }""",
        [minute, fraction, offset],
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
    quarter hours with an evening gap that the user's hourly contract fills in part."""
    user_id, building_id = _home(partner, LONG_DAY, skip_local_hours=range(19, 21))
    evening = datetime(2025, 10, 26, 19, tzinfo=VIENNA).astimezone(UTC)
    partner.contract(
        user_id,
        price_interval_minutes=60,
        energy_prices=[{"price": 0.295, "timestamp": evening.isoformat()}],
    )
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)

    _day_view(page, served, user_id, building_id, day=LONG_DAY.isoformat(), window=120)

    drawn = _drawn(page)
    assert drawn["intervals"] == "94"  # 92 quarter hours, the user's hour, one unknown hour
    assert (drawn["drawnSteps"], drawn["drawnGaps"]) == ("93", "1")
    assert page.locator("#prices tbody tr td:nth-child(5)", has_text="user").count() == 1
    for shot in (
        save_screenshot(page, "day-view-25-hours.png"),  # what docs/ and the README show
        save_screenshot(page, "day-view-25-hours-full.png", full_page=True),
    ):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_tariffs_breakdown_is_stacked_beneath_the_total(
    served: Served, partner: Partner, page: Page
) -> None:
    """When the effective-prices answer carries a tariff's ``breakdown`` (SPEC §11), its
    parts are stacked beneath the total. The answer is given one on its way to the browser
    here, shaped as SPEC §11 has it: energy, grid, levy, other and VAT adding up to price."""
    user_id, building_id = _home(partner, SHORT_DAY)
    grid, levy, vat = Decimal("0.05"), Decimal("0.015"), Decimal("0.02")

    def with_breakdown(route: Route) -> None:
        response = route.fetch()
        html = response.text()
        found = CHART_DATA.search(html)
        assert found is not None
        data = json.loads(found[1])
        for interval in data["answer"]["intervals"]:
            price = Decimal(interval["price"])
            parts = {"grid": grid, "levy": levy, "other": Decimal(0), "vat": vat}
            interval["breakdown"] = {
                "energy": str(price - sum(parts.values())),
                **{name: str(value) for name, value in parts.items()},
            }
        body = html[: found.start(1)] + json.dumps(data) + html[found.end(1) :]
        route.fulfill(response=response, body=body)

    page.route(f"**/buildings/{building_id}?day=*", with_breakdown)
    sign_in(page, served.base_url, partner.client_id, partner.client_secret)
    _day_view(page, served, user_id, building_id, day=SHORT_DAY.isoformat())

    chart = page.evaluate(
        f"""() => {{
            const chart = Chart.getChart(document.querySelector('{CHART}'));
            return {{labels: chart.data.datasets.map(d => d.label),
                     legend: chart.options.plugins.legend.display}};
        }}"""
    )
    assert chart == {
        "labels": ["price", "energy", "grid", "levy", "other", "vat"],
        "legend": True,
    }
    assert _drawn(page)["drawnSteps"] == "92"
    # At 09:30 (510 minutes into this 23-hour day), halfway up the energy part and halfway up
    # the grid part above it: each area has its part's hue (energy blue, grid orange).
    energy, grid_area = page.evaluate(
        f"""() => {{
            const canvas = document.querySelector('{CHART}');
            const chart = Chart.getChart(canvas);
            const data = JSON.parse(document.getElementById('chart-data').textContent);
            const start = Date.parse(data.answer.from);
            const at = data.answer.intervals.find(
                i => (Date.parse(i.start) - start) / 60000 === 510);
            const energy = Number(at.breakdown.energy), grid = Number(at.breakdown.grid);
            const ratio = chart.currentDevicePixelRatio;
            const x = Math.round(chart.scales.x.getPixelForValue(510 + 7)) * ratio;
            const context = canvas.getContext('2d');
            const colour = value => {{
                const y = Math.round(chart.scales.y.getPixelForValue(value)) * ratio;
                return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
            }};
            return [colour(energy / 2), colour(energy + grid / 2)];
        }}"""
    )
    assert energy[2] > energy[1] > energy[0]  # blue
    assert grid_area[0] > grid_area[1] > grid_area[2]  # orange
