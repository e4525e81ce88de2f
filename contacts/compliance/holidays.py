"""Holidays computed per year from their definitions in the rules file (`holidays` in rules/rules.json).

A definition is a fixed date (`month`, `day`), the n-th weekday of a month (`month`, `weekday`, `nth`; -1 is the
last) or a number of days from Western Easter (`easter`: Mardi Gras -47, Good Friday -2), optionally only from a
year on (`since`). Rules name the holidays they close by key, so a state's own days are a data edit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from dateutil.easter import easter

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Holiday:
    key: str
    name: str
    month: int = 0
    day: int = 0
    weekday: str = ""
    nth: int = 0
    easter: int | None = None
    since: int = 0

    @classmethod
    def from_data(cls, key: str, data: dict[str, Any]) -> Holiday:
        return cls(key=key, name=data["name"], month=data.get("month", 0), day=data.get("day", 0),
                   weekday=data.get("weekday", ""), nth=data.get("nth", 0), easter=data.get("easter"),
                   since=data.get("since", 0))

    def date_in(self, year: int) -> date | None:
        """This holiday's date in `year` (None before `since`); ValueError when the definition names no real day."""
        if year < self.since:
            return None
        if self.easter is not None:
            return easter(year) + timedelta(days=self.easter)
        if self.weekday:
            return _nth_weekday(year, self.month, WEEKDAYS.index(self.weekday), self.nth)
        return date(year, self.month, self.day)

    def describe(self) -> str:
        if self.easter is not None:
            return f"{abs(self.easter)} days {'before' if self.easter < 0 else 'after'} Easter"
        if self.weekday:
            which = "last" if self.nth == -1 else ("1st", "2nd", "3rd", "4th", "5th")[self.nth - 1]
            return f"{which} {self.weekday.title()} of {date(2000, self.month, 1):%B}"
        return f"{date(2000, self.month, self.day):%-d %B}"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of the month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
        if found.month != month:
            raise ValueError(f"there is no {n}th such weekday in {year}-{month:02d}")
        return found
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


class HolidayTable(tuple):
    """The holiday definitions, hashed once: the table is part of a cache key on every closed-days check."""

    def __new__(cls, items):
        table = super().__new__(cls, items)
        table._hash = tuple.__hash__(table)
        return table

    def __hash__(self) -> int:
        return self._hash


def parse_table(data: dict[str, Any]) -> HolidayTable:
    return HolidayTable(Holiday.from_data(key, value) for key, value in sorted(data.items()))


def table_problems(table: tuple[Holiday, ...]) -> list[str]:
    """Definitions that name no real day in some year (a 30 February, a 5th Monday that does not exist)."""
    problems = []
    for holiday in table:
        kinds = [holiday.easter is not None, bool(holiday.weekday), bool(holiday.day)]
        if sum(kinds) != 1:
            problems.append(f"holidays/{holiday.key}: give exactly one of day, weekday and nth, or easter.")
            continue
        try:
            for year in range(max(holiday.since, 2000), max(holiday.since, 2000) + 28):  # every calendar layout
                holiday.date_in(year)
        except ValueError as exc:
            problems.append(f"holidays/{holiday.key}: {exc}.")
    return problems


def _shipped_table() -> tuple[Holiday, ...]:
    from contacts.compliance.ruleset import shipped_rules

    return shipped_rules().holidays


def holiday_dates(year: int, table: tuple[Holiday, ...] | None = None) -> dict[str, date]:
    """Each defined holiday's date in `year` (the shipped rules file's definitions unless `table`)."""
    found = {}
    for holiday in _shipped_table() if table is None else table:
        day = holiday.date_in(year)
        if day is not None:
            found[holiday.key] = day
    return found


def observed(day: date) -> date:
    """A Saturday holiday is observed on the Friday before, a Sunday one on the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def closed_dates(year: int, holidays: tuple[str, ...], annual: tuple[str, ...], with_observed: bool,
                 table: tuple[Holiday, ...] | None = None) -> dict[date, str]:
    """Dates (with their names) on which a closed-days rule forbids calls in `year`."""
    return _closed_dates(year, holidays, annual, with_observed, _shipped_table() if table is None else table)


@lru_cache(maxsize=1024)
def _closed_dates(year: int, holidays: tuple[str, ...], annual: tuple[str, ...], with_observed: bool,
                  table: tuple[Holiday, ...]) -> dict[date, str]:
    by_key = {h.key: h for h in table}
    found: dict[date, str] = {}
    named: list[tuple[date, str]] = []
    for key in holidays:
        day = by_key[key].date_in(year)
        if day is not None:
            named.append((day, by_key[key].name))
    for md in annual:
        try:
            named.append((date(year, int(md[:2]), int(md[3:])), f"holiday of {md}"))
        except ValueError:  # 29 February in a common year
            continue
    for day, name in named:
        found[day] = name
        if with_observed and observed(day) != day:
            found.setdefault(observed(day), f"{name} (observed)")
    if with_observed:  # next year's 1 January on a Saturday is observed on 31 December
        for key in holidays:
            nxt = by_key[key].date_in(year + 1)
            if nxt is not None and observed(nxt).year == year:
                found.setdefault(observed(nxt), f"{by_key[key].name} (observed)")
    return found
