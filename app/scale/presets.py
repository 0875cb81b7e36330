"""The sizes `flask seed-scale` can make: germany (the whole country), saarland (1/50 of it) and tiny (tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Preset:
    """Target sizes; the generator gets close to them (counts of drawn items vary by a few per cent)."""

    name: str
    whole_country: bool  # all 16 states with generated places, or the Saarland's real organisations only
    accounts: int
    bodies: int
    meetings: int
    minutes: int
    decisions: int
    action_items: int
    events: int  # kick-offs, information events and workshops that stand on their own
    bench_bodies: int  # the bench account is a member of this many bodies ...
    bench_feed_meetings: int  # ... whose meetings in its feed window add up to about this many


def scaled(base: Preset, divisor: int, name: str, **overrides: int) -> Preset:
    """The same shape as `base` at 1/divisor of its size, on the Saarland's real organisations only."""
    sizes = ("accounts", "bodies", "meetings", "minutes", "decisions", "action_items", "events")
    values = {size: max(getattr(base, size) // divisor, 1) for size in sizes}
    return replace(base, name=name, whole_country=False, **{**values, **overrides})


GERMANY = Preset(
    name="germany",
    whole_country=True,
    accounts=60_000,
    bodies=3_000,
    meetings=250_000,
    minutes=50_000,
    decisions=150_000,
    action_items=200_000,
    events=500,
    bench_bodies=10,
    bench_feed_meetings=500,
)

PRESETS = {
    "germany": GERMANY,
    "saarland": scaled(GERMANY, 50, "saarland"),
    # For the tests: small, but with enough people for its bodies and a bench account in a few of them.
    "tiny": scaled(GERMANY, 625, "tiny", accounts=120, bodies=14, events=3, bench_bodies=4, bench_feed_meetings=40),
}
