"""Analysis settings: kinds, ages, distance rules and thresholds, catchments, demand method.

Everything here is a choice the analyst can change; the defaults and their
sources are documented next to each constant, and every output names the
choices that produced it (see ``Results.notes``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from gapmap.errors import InputError
from gapmap.model import KINDS, SECTORS
from gapmap.options import AP_NEED_METHODS

if TYPE_CHECKING:  # numpy is imported where used, so that the command line starts fast
    import numpy as np

METRES_PER_MILE = 1609.344

#: Statutory walking distances (Education Act 1996 s444(5); DfE home-to-school
#: travel guidance 2024): 2 miles under 8, 3 miles aged 8 to 16.
TWO_MILES_M = 2 * METRES_PER_MILE
THREE_MILES_M = 3 * METRES_PER_MILE

DEFAULT_KINDS: tuple[str, ...] = ("special", "ap", "mainstream_primary", "mainstream_secondary")

#: Default threshold per kind, metres (straight line unless a cost backend says otherwise).
DEFAULT_THRESHOLDS_M: dict[str, float] = {
    "special": THREE_MILES_M,
    "ap": THREE_MILES_M,
    "mainstream_primary": TWO_MILES_M,
    "mainstream_secondary": THREE_MILES_M,
    "mainstream_all_through": THREE_MILES_M,
    "mainstream_independent": THREE_MILES_M,
    "sen_unit": THREE_MILES_M,
    "resourced_provision": THREE_MILES_M,
    "nursery": TWO_MILES_M,
}

#: Ages of the children each kind serves (whole years at mid-year, inclusive): the
#: demand for that kind and the ages a provision must cover to be suitable.
#: Primary: reception (4) to year 6 (10); secondary 11 to 15 (the population
#: sources stop at 15); specialist kinds 4 (AP 5) to 15; nursery 2 to 4.
DEFAULT_AGES: dict[str, tuple[int, int]] = {
    "special": (4, 15),
    "ap": (5, 15),
    "mainstream_primary": (4, 10),
    "mainstream_secondary": (11, 15),
    "mainstream_all_through": (4, 15),
    "mainstream_independent": (4, 15),
    "sen_unit": (4, 15),
    "resourced_provision": (4, 15),
    "nursery": (2, 4),
}

#: Floating-catchment radius per kind, metres: the statutory walking distance
#: for mainstream kinds; 10 km for specialist kinds, which serve wider areas
#: (a modelling choice, not a rule: change it with ``catchments_m``).
DEFAULT_CATCHMENTS_M: dict[str, float] = {
    "special": 10_000.0,
    "ap": 10_000.0,
    "mainstream_primary": TWO_MILES_M,
    "mainstream_secondary": THREE_MILES_M,
    "mainstream_all_through": THREE_MILES_M,
    "mainstream_independent": THREE_MILES_M,
    "sen_unit": 10_000.0,
    "resourced_provision": 10_000.0,
    "nursery": TWO_MILES_M,
}

#: Enhanced 2SFCA zone weights, inner zone first (Luo and Qi 2009: 1.00, 0.68, 0.22),
#: over equal-width zones of the catchment.
DEFAULT_STEP_WEIGHTS: tuple[float, ...] = (1.0, 0.68, 0.22)

#: Distance bands (miles) for counts of children beyond each distance.
DEFAULT_BANDS_MILES: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 10.0)

#: SEN primary-need codes as GIAS writes them (``SEN1 (name)`` .. ``SEN13 (name)``)
#: and SEN2 counts them, plus ``unknown`` for plans whose need is not recorded.
NEED_CODES: tuple[str, ...] = (
    "ASD", "HI", "MLD", "MSI", "OTH", "PD", "PMLD", "SEMH", "SLCN", "SLD", "SpLD", "VI", "unknown",
)

#: How demand for specialist kinds is estimated.
SPECIALIST_DEMAND_METHODS = ("ehcp", "children")

#: Supply sectors counted by default, and why (shown in the outputs).
DEFAULT_SECTORS: tuple[str, ...] = ("state-funded",)
SECTORS_REASON = (
    "State-funded provision (community, foundation, academy and free schools, pupil referral units) is the usual "
    "base of a sufficiency plan: LAs also place children in non-maintained special schools (charities approved "
    "under s41) and independent special schools, but independent places are bought one by one at high cost and "
    "are what sufficiency plans try to reduce, so they are shown as additions, not counted by default."
)

#: The cumulative supply definitions every build also reports, narrowest first.
SECTOR_SETS: tuple[tuple[str, ...], ...] = tuple(SECTORS[:n] for n in range(1, len(SECTORS) + 1))

#: ``Settings.ehcp_year`` value that picks the latest SEN2 year whatever the supply's date.
LATEST = "latest"


@dataclass(frozen=True)
class AgeBand:
    """A distance that applies to children of some ages.

    Attributes
    ----------
    low_age, high_age
        Youngest and oldest age (whole years, inclusive).
    distance_m
        Distance in metres.
    """

    low_age: int
    high_age: int
    distance_m: float


@dataclass(frozen=True)
class RuleSet:
    """A named, versioned set of walking distances by age.

    The statutory walking distance (Education Act 1996 s444(5), applied to
    home-to-school travel by Schedule 35B) is measured along the shortest route
    a child can walk in reasonable safety; straight lines are shorter, so counts
    of children beyond a rule's distance are lower bounds.

    Attributes
    ----------
    name
        Registry key, e.g. ``"england-2024"``.
    version
        Version of the rules (the year of the guidance they follow).
    title
        One-line description shown in the outputs.
    source
        Legal or guidance source.
    bands
        Age bands; no age in two bands.
    """

    name: str
    version: str
    title: str
    source: str
    bands: tuple[AgeBand, ...]

    def __post_init__(self) -> None:
        ages = [age for band in self.bands for age in range(band.low_age, band.high_age + 1)]
        if not self.bands or len(ages) != len(set(ages)):
            raise InputError(f"Rule set {self.name!r} must have at least one age band and no age in two bands.")
        for band in self.bands:
            if band.low_age < 0 or band.high_age < band.low_age or not band.distance_m > 0:
                raise InputError(f"Rule set {self.name!r} has a bad band {band}: ages must be ascending "
                                 "whole years >= 0 and the distance a positive number of metres.")

    def distances(self, ages: np.ndarray | list[int]) -> np.ndarray:
        """Distance (metres) that applies at each age; NaN for ages no band covers.

        Examples
        --------
        >>> RULE_SETS["england-2024"].distances([5, 7, 8, 16, 17]).round(1).tolist()
        [3218.7, 3218.7, 4828.0, 4828.0, nan]
        """
        import numpy as np

        ages = np.asarray(ages)
        out = np.full(ages.shape, np.nan)
        for band in self.bands:
            out[(ages >= band.low_age) & (ages <= band.high_age)] = band.distance_m
        return out

    def describe(self) -> str:
        """One sentence naming the rule set, its version, bands and source."""
        bands = "; ".join(
            f"ages {b.low_age}-{b.high_age}: {b.distance_m / METRES_PER_MILE:g} miles" for b in self.bands
        )
        return f"{self.title} (rule set {self.name}, version {self.version}: {bands}; source: {self.source})."


#: Registered rule sets by name.
RULE_SETS: dict[str, RuleSet] = {
    rules.name: rules
    for rules in (
        RuleSet(
            name="england-2024",
            version="2024",
            title="Statutory walking distances",
            source="Education Act 1996 s444(5) and Schedule 35B; DfE home-to-school travel guidance 2024",
            bands=(AgeBand(0, 7, TWO_MILES_M), AgeBand(8, 16, THREE_MILES_M)),
        ),
        RuleSet(
            name="england-2024-low-income",
            version="2024",
            title="Extended rights for low-income families (distance part only)",
            source="Education Act 1996 Schedule 35B (extended rights); DfE home-to-school travel guidance 2024: "
            "ages 8-10 over 2 miles; ages 11-16 schools 2 to 6 miles away, of which only the 2-mile lower "
            "bound is applied (the 6-mile limit and the three-nearest-schools test are not)",
            bands=(AgeBand(0, 7, TWO_MILES_M), AgeBand(8, 16, TWO_MILES_M)),
        ),
    )
}

DEFAULT_RULES = "england-2024"


def rule_set(name: str | RuleSet) -> RuleSet:
    """Return a registered rule set by name; a :class:`RuleSet` is returned as it is.

    Raises
    ------
    InputError
        If no rule set has that name.
    """
    if isinstance(name, RuleSet):
        return name
    if name not in RULE_SETS:
        raise InputError(f"Unknown distance rule set {name!r}; choose from {', '.join(RULE_SETS)}.")
    return RULE_SETS[name]


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


@dataclass(frozen=True)
class Settings:
    """What to analyse and how.

    Attributes
    ----------
    kinds
        Provision kinds to analyse, in output order.
    thresholds_m
        Distance threshold per kind, in metres; children aged 0-15 in an LSOA
        whose nearest provision of the kind is farther are counted as beyond it
        (``{kind}_children_beyond``).
    sectors
        Sectors whose provision counts as supply, in :data:`gapmap.model.SECTORS`
        order (default :data:`DEFAULT_SECTORS`; the reason is :data:`SECTORS_REASON`).
    rules
        Name of a registered rule set (:data:`RULE_SETS`) or a :class:`RuleSet`:
        the walking distance by age behind ``{kind}_children_beyond_statutory``.
    ages
        Ages (low, high) of the children each kind serves.
    catchments_m
        Floating-catchment radius per kind, metres.
    step_weights
        Enhanced 2SFCA weights over equal-width zones of the catchment, inner first.
    gaussian_sigma_share
        Width of the gaussian decay (gaussian 2SFCA) as a share of the catchment.
    distance_bands_miles
        Distances (miles) for the ``{kind}_demand_beyond_{x}mi`` counts.
    circuity
        Factor >= 1 applied to straight lines (1: plain straight line).
    cost_backend
        A :class:`gapmap.engine.costs.CostBackend` (or cost function) used
        instead of straight lines, e.g. a road network; ``None`` for straight lines.
    journey_backend
        A backend measuring minutes (``unit == "minutes"``, e.g.
        :class:`gapmap.engine.costs.CarTime`): with one, every kind also gets
        journey-time outputs (:mod:`gapmap.engine.journeys`); ``None`` for none.
    specialist_demand
        ``"ehcp"``: demand for special, AP, SEN unit and resourced provision is
        the LA's EHC plan caseload in that placement type (SEN2) apportioned to
        LSOAs; ``"children"``: all children of the kind's ages.
    ehcp_year
        SEN2 ``time_period`` to use (e.g. ``202223``); ``None`` (default) for
        the year matching the supply's date (:func:`gapmap.vintage.matched_ehcp_year`),
        ``"latest"`` for the latest published.
    ap_need
        ``"plans"`` (default): AP need is the EHC plans placed in AP (SEN2);
        ``"placements"``: pupils in AP schools plus LA-funded AP placements, an
        estimate of all AP need (:mod:`gapmap.engine.ap_need`).
    idaci_weight
        0 to 1: how far the apportioning of EHC plans to LSOAs leans on IDACI
        (0: by children only; 1: by children x IDACI).
    need_mix
        Share of EHC plans per primary need (codes in :data:`NEED_CODES`),
        used instead of each LA's SEN2 mix; ``None`` to use SEN2.
    """

    kinds: tuple[str, ...] = DEFAULT_KINDS
    thresholds_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS_M))
    sectors: tuple[str, ...] = DEFAULT_SECTORS
    rules: str | RuleSet = DEFAULT_RULES
    ages: Mapping[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_AGES))
    catchments_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CATCHMENTS_M))
    step_weights: tuple[float, ...] = DEFAULT_STEP_WEIGHTS
    gaussian_sigma_share: float = 0.5
    distance_bands_miles: tuple[float, ...] = DEFAULT_BANDS_MILES
    circuity: float = 1.0
    cost_backend: Any = None
    journey_backend: Any = None
    specialist_demand: str = "ehcp"
    ehcp_year: int | str | None = None
    ap_need: str = "plans"
    idaci_weight: float = 0.0
    need_mix: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise InputError(f"Unknown provision kind(s) {unknown}; choose from {list(KINDS)}.")
        if not self.kinds:
            raise InputError("No provision kinds to analyse; name at least one kind.")
        for kind in self.kinds:
            value = self.thresholds_m.get(kind)
            if value is None or not value > 0:
                raise InputError(f"The distance threshold for {kind} must be a positive number of metres, got {value!r}.")
            catchment = self.catchments_m.get(kind)
            if not _positive(catchment):
                raise InputError(f"The catchment for {kind} must be a positive number of metres, got {catchment!r}.")
            ages = self.ages.get(kind)
            if not (isinstance(ages, tuple) and len(ages) == 2 and all(isinstance(a, int) for a in ages)
                    and 0 <= ages[0] <= ages[1]):
                raise InputError(f"The ages for {kind} must be (youngest, oldest) whole years, got {ages!r}.")
        bad_sectors = [s for s in self.sectors if s not in SECTORS]
        if bad_sectors or not self.sectors:
            raise InputError(f"Unknown sector(s) {bad_sectors}; choose one or more of {', '.join(SECTORS)}."
                             if bad_sectors else f"No supply sectors; choose one or more of {', '.join(SECTORS)}.")
        if not (self.ehcp_year is None or self.ehcp_year == LATEST
                or isinstance(self.ehcp_year, int) and not isinstance(self.ehcp_year, bool)):
            raise InputError(f"ehcp_year must be a SEN2 year such as 202223, {LATEST!r} or None (matched to the "
                             f"supply's date), got {self.ehcp_year!r}.")
        rule_set(self.rules)
        if not self.step_weights or not all(isinstance(w, (int, float)) and 0 <= w < math.inf for w in self.step_weights):
            raise InputError(f"step_weights must be one or more numbers >= 0, got {self.step_weights!r}.")
        if not _positive(self.gaussian_sigma_share):
            raise InputError(f"gaussian_sigma_share must be a positive number, got {self.gaussian_sigma_share!r}.")
        if not all(_positive(b) for b in self.distance_bands_miles):
            raise InputError(f"distance_bands_miles must be positive numbers of miles, got {self.distance_bands_miles!r}.")
        if not (isinstance(self.circuity, (int, float)) and math.isfinite(self.circuity) and self.circuity >= 1.0):
            raise InputError(f"The circuity factor must be a number >= 1.0, got {self.circuity!r}.")
        if self.cost_backend is not None and self.circuity != 1.0:
            raise InputError("A circuity factor applies to straight lines only; leave it at 1.0 with a cost backend.")
        if self.journey_backend is not None and getattr(self.journey_backend, "unit", "metres") != "minutes":
            raise InputError("journey_backend must measure minutes (its unit is "
                             f"{getattr(self.journey_backend, 'unit', 'metres')!r}), e.g. gapmap.engine.costs.CarTime().")
        if self.specialist_demand not in SPECIALIST_DEMAND_METHODS:
            raise InputError(f"specialist_demand must be one of {', '.join(SPECIALIST_DEMAND_METHODS)}, "
                             f"got {self.specialist_demand!r}.")
        if self.ap_need not in AP_NEED_METHODS:
            raise InputError(f"ap_need must be one of {', '.join(AP_NEED_METHODS)}, got {self.ap_need!r}.")
        if not (isinstance(self.idaci_weight, (int, float)) and 0 <= self.idaci_weight <= 1):
            raise InputError(f"idaci_weight must be a number from 0 to 1, got {self.idaci_weight!r}.")
        if self.need_mix is not None:
            bad_needs = sorted(set(self.need_mix) - set(NEED_CODES))
            import numpy as np

            shares = np.asarray(list(self.need_mix.values()), dtype="float64")
            if bad_needs or not len(shares) or (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
                raise InputError(f"need_mix must map need codes ({', '.join(NEED_CODES)}) to shares >= 0 summing "
                                 f"to 1, got {dict(self.need_mix)!r}.")

    @property
    def rule_set(self) -> RuleSet:
        """The walking-distance rule set named by :attr:`rules`."""
        return rule_set(self.rules)

    def threshold(self, kind: str) -> float:
        """Return the distance threshold for ``kind`` in metres."""
        return float(self.thresholds_m[kind])

    def with_threshold(self, kind: str, metres: float) -> "Settings":
        """Return a copy with a different threshold for one kind."""
        return replace(self, thresholds_m={**self.thresholds_m, kind: float(metres)})

    def age_range(self, kind: str) -> range:
        """Ages (whole years) of the children ``kind`` serves."""
        low, high = self.ages[kind]
        return range(low, high + 1)

    def catchment(self, kind: str) -> float:
        """Floating-catchment radius for ``kind`` in metres."""
        return float(self.catchments_m[kind])

    def steps(self, kind: str) -> dict[float, float]:
        """Enhanced 2SFCA steps for ``kind``: upper bound (metres) -> weight, equal-width zones."""
        count, catchment = len(self.step_weights), self.catchment(kind)
        return {catchment * (i + 1) / count: float(w) for i, w in enumerate(self.step_weights)}

    def gaussian_sigma(self, kind: str) -> float:
        """Width (metres) of the gaussian decay for ``kind``."""
        return self.catchment(kind) * float(self.gaussian_sigma_share)


def band_label(miles: float) -> str:
    """Column-name label of a distance band, e.g. ``5mi`` or ``2p5mi``.

    Examples
    --------
    >>> band_label(5.0), band_label(2.5)
    ('5mi', '2p5mi')
    """
    return f"{miles:g}".replace(".", "p") + "mi"
