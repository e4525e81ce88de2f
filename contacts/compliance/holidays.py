"""US federal holidays of a year, computed (fixed dates and nth weekdays), with their observed weekdays."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

MON, THU = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of the month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holiday_dates(year: int) -> dict[str, date]:
    """Each federal holiday's date in `year` (5 U.S.C. § 6103)."""
    return {
        "new_years_day": date(year, 1, 1),
        "mlk_day": _nth_weekday(year, 1, MON, 3),
        "washingtons_birthday": _nth_weekday(year, 2, MON, 3),
        "memorial_day": _nth_weekday(year, 5, MON, -1),
        "juneteenth": date(year, 6, 19),
        "independence_day": date(year, 7, 4),
        "labor_day": _nth_weekday(year, 9, MON, 1),
        "columbus_day": _nth_weekday(year, 10, MON, 2),
        "veterans_day": date(year, 11, 11),
        "thanksgiving": _nth_weekday(year, 11, THU, 4),
        "christmas_day": date(year, 12, 25),
    }


HOLIDAY_NAMES = {
    "new_years_day": "New Year's Day", "mlk_day": "Martin Luther King Jr. Day",
    "washingtons_birthday": "Washington's Birthday", "memorial_day": "Memorial Day", "juneteenth": "Juneteenth",
    "independence_day": "Independence Day", "labor_day": "Labor Day", "columbus_day": "Columbus Day",
    "veterans_day": "Veterans Day", "thanksgiving": "Thanksgiving Day", "christmas_day": "Christmas Day",
}


def observed(day: date) -> date:
    """A Saturday holiday is observed on the Friday before, a Sunday one on the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=512)
def closed_dates(year: int, holidays: tuple[str, ...], annual: tuple[str, ...], with_observed: bool
                 ) -> dict[date, str]:
    """Dates (with their names) on which a closed-days rule forbids calls in `year`."""
    found: dict[date, str] = {}
    dates = holiday_dates(year)
    named = [(dates[h], HOLIDAY_NAMES[h]) for h in holidays]
    named += [(date(year, int(md[:2]), int(md[3:])), f"holiday of {md}") for md in annual]
    for day, name in named:
        found[day] = name
        if with_observed and observed(day) != day:
            found.setdefault(observed(day), f"{name} (observed)")
    if with_observed:  # New Year's Day of next year on a Saturday is observed on 31 December
        nxt = date(year + 1, 1, 1)
        if "new_years_day" in holidays and observed(nxt).year == year:
            found.setdefault(observed(nxt), "New Year's Day (observed)")
    return found
