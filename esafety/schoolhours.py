"""School hours: when the DSL reads concerns, what pupils are told, and how escalation counts time.

Pure functions on naive UTC datetimes (how the database stores times); the hours themselves are local to the
school's time zone (Europe/London by default, so British Summer Time is handled). School holidays are not
modelled: a concern left over a holiday escalates on the first "school day" of it, which errs towards telling
someone too early rather than too late.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config import ConfigError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _days(text: str) -> frozenset[int]:
    """'Mon-Fri' or 'Mon,Tue,Thu' as weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in text.split(","):
        ends = [p.strip().title()[:3] for p in part.split("-")]
        if not all(e in DAY_NAMES for e in ends) or len(ends) > 2:
            raise ConfigError(f"ESAFETY_SCHOOL_DAYS must look like 'Mon-Fri' or 'Mon,Tue,Wed', not {text!r}")
        first, last = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        if last < first:
            raise ConfigError(f"ESAFETY_SCHOOL_DAYS: {part.strip()!r} runs backwards (write e.g. 'Mon-Fri')")
        days.update(range(first, last + 1))
    return frozenset(days)


def _clock(value: time) -> str:
    """8am, 4pm, 8:30am: how the times are said to a child."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


@dataclass(frozen=True)
class SchoolHours:
    """The school's working hours: the same opening and closing time on each school day."""

    zone: ZoneInfo
    opens: time
    closes: time
    days: frozenset[int]

    @classmethod
    def parse(cls, hours: str, days: str, zone: str) -> "SchoolHours":
        """Read '08:00-16:00', 'Mon-Fri' and 'Europe/London'; a clear ConfigError for anything else."""
        match = _HOURS.match(hours or "")
        if not match:
            raise ConfigError(f"ESAFETY_SCHOOL_HOURS must look like '08:00-16:00', not {hours!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and m1 < 60 and m2 < 60) or (h2, m2) <= (h1, m1):
            raise ConfigError(f"ESAFETY_SCHOOL_HOURS must be an opening time before a closing time, not {hours!r}")
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(f"ESAFETY_SCHOOL_TIMEZONE {zone!r} is not a known time zone") from error
        return cls(tz, time(h1, m1), time(h2, m2), _days(days))

    @classmethod
    def from_config(cls, config) -> "SchoolHours":
        """The hours configured for this app."""
        return cls.parse(config["SCHOOL_HOURS"], config["SCHOOL_DAYS"], config["SCHOOL_TIMEZONE"])

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing on one day, as aware local times."""
        return (datetime.combine(day, self.opens, tzinfo=self.zone),
                datetime.combine(day, self.closes, tzinfo=self.zone))

    def add(self, start_utc: datetime, minutes: int) -> datetime:
        """The UTC time when `minutes` of school time have passed since `start_utc` (counting only open hours)."""
        if not self.days:
            raise ConfigError("ESAFETY_SCHOOL_DAYS names no day")
        remaining = timedelta(minutes=minutes)
        cursor = start_utc.replace(tzinfo=UTC).astimezone(self.zone)
        day = cursor.date()
        for _ in range(400):  # one step per calendar day: over a year of school time is far more than needed
            if day.weekday() in self.days:
                opens, closes = self._window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    if begin + remaining <= closes:
                        return (begin + remaining).astimezone(UTC).replace(tzinfo=None)
                    remaining -= closes - begin
            day += timedelta(days=1)
        raise ConfigError("school hours too short to count that much time")  # pragma: no cover

    def is_open(self, at_utc: datetime) -> bool:
        """True during school hours."""
        local = at_utc.replace(tzinfo=UTC).astimezone(self.zone)
        opens, closes = self._window(local.date())
        return local.weekday() in self.days and opens <= local < closes

    def describe_days(self) -> str:
        """'Monday to Friday' (or the days listed)."""
        ordered = sorted(self.days)
        if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"{DAY_WORDS[ordered[0]]} to {DAY_WORDS[ordered[-1]]}"
        names = [DAY_WORDS[d] for d in ordered]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def describe(self) -> str:
        """'Monday to Friday, 8am to 4pm'."""
        return f"{self.describe_days()}, {_clock(self.opens)} to {_clock(self.closes)}"


def describe_minutes(minutes: int) -> str:
    """120 -> '2 school hours'; 90 -> '90 school minutes'."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} school hour{'s' if hours != 1 else ''}"
    return f"{minutes} school minutes"
