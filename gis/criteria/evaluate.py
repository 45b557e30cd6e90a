"""One evaluator for every list rule: it reads the rule rows, never a year or a list name.

For a year Y the rule set in force gives the lists; a list is met when the area has its
minimum residents, all its required criteria and at least `min_counted` of its counted ones,
or, for a list defined by time, when the list of `run_lineage` was met `run_years` years
running (each of those years judged by the rules in force then). A criterion compares the
value of year Y, or the average of the last `years_averaged` years (unless the stored values
are the list's published figures, which are averages already), with its threshold (× the
national value of Y when relative). Missing data is never filled in: a criterion that lacks
a value is undetermined, and so is a list whose outcome depends on it (three-valued logic).

"Approaching" a list: not met, but met if every criterion that misses its threshold by at most
the rule set's `approach_margin` (a share of the threshold) counted as met; for lists defined
by time, the base list is met this year but not yet for enough years running.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from gis.criteria.labels import (
    INDICATOR_DA,
    NO_DATA_DA,
    NO_LIST_DA,
    NO_RULES_DA,
    SHORT_DA,
    UNKNOWN_DA,
    number,
    pct,
)
from gis.criteria.rules import ListRule, Rules, RuleSet, Threshold

COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
COMPARISON_DA = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


class AreaEvaluator:
    """Evaluates one area's years; base-list results are memoised for the runs."""

    def __init__(
        self,
        rules: Rules,
        values: dict[int, dict],
        national: dict[int, dict],
        listings: dict[int, dict] | None = None,
    ) -> None:
        self.rules = rules
        self.values = values
        self.national = national
        # Published list status stated by a source, for years the figures cannot decide.
        self.listings = listings or {}
        self._lineage: dict[tuple[str, int], bool | None] = {}

    # -- one criterion -------------------------------------------------------------------
    def _value(self, t: Threshold, year: int) -> tuple[float | None, str, str | None]:
        """(value, what it is, what is missing)."""
        row = self.values.get(year)
        if row is None:
            return None, "", f"ingen værdier for {year}"
        if t.years_averaged == 1 or row["published"]:
            v = row[t.indicator]
            basis = f"{year}" + (" (offentliggjort listeværdi)" if t.years_averaged > 1 else "")
            return v, basis, None if v is not None else f"{SHORT_DA[t.indicator]} {year}"
        years = list(range(year - t.years_averaged + 1, year + 1))
        found = [(y, (self.values.get(y) or {}).get(t.indicator)) for y in years]
        lacking = [str(y) for y, v in found if v is None]
        basis = f"gennemsnit {years[0]}–{years[-1]}"
        if lacking:
            return None, basis, f"{SHORT_DA[t.indicator]} {', '.join(lacking)}"
        return sum(v for _, v in found) / len(found), basis, None

    def _threshold(self, t: Threshold, year: int) -> tuple[float | None, str | None]:
        if t.relative_to is None:
            return t.value, None
        national = (self.national.get(year) or {}).get(t.indicator)
        if national is None:
            return None, f"landsværdi for {SHORT_DA[t.indicator]} {year}"
        return t.value * national, None

    def criterion(self, t: Threshold, year: int, margin: float) -> dict:
        value, basis, missing = self._value(t, year)
        threshold, missing_national = self._threshold(t, year)
        missing = missing or missing_national
        met = near = None
        if value is not None and threshold is not None:
            met = COMPARE[t.comparison](value, threshold)
            slack = abs(threshold) * margin
            bound = threshold - slack if t.comparison in (">", ">=") else threshold + slack
            near = (not met) and COMPARE[t.comparison.replace("=", "") + "="](value, bound)
        rule = f"{COMPARISON_DA[t.comparison]} " + (
            f"{t.value:g} × landsværdien" if t.relative_to else pct(t.value, 0)
        )
        return {
            "indicator": t.indicator,
            "name": INDICATOR_DA[t.indicator],
            "role": t.role,
            "value": None if value is None else round(value, 4),
            "basis": basis,
            "years_averaged": t.years_averaged,
            "comparison": t.comparison,
            "threshold": None if threshold is None else round(threshold, 4),
            "rule": rule,
            "met": met,
            "near": bool(near),
            "missing": missing,
        }

    # -- one list ------------------------------------------------------------------------
    def _by_criteria(self, lst: ListRule, year: int, rs: RuleSet) -> dict:
        margin = rs.approach_margin
        criteria = [self.criterion(t, year, margin) for t in lst.thresholds]
        residents = (self.values.get(year) or {}).get("residents")
        parts: list[bool | None] = []
        near_parts: list[bool] = []
        reasons: list[str] = []
        if lst.min_residents is not None:
            if residents is None:
                parts.append(None)
                near_parts.append(False)
                reasons.append(f"antal beboere {year} mangler")
            else:
                ok = residents >= lst.min_residents
                parts.append(ok)
                near_parts.append(ok or residents >= lst.min_residents * (1 - margin))
                sign = "≥" if ok else "<"
                reasons.append(f"{number(residents)} beboere {sign} {number(lst.min_residents)}")
        required = [c for c in criteria if c["role"] == "required"]
        for c in required:
            parts.append(c["met"])
            near_parts.append(bool(c["met"]) or c["near"])
            word = {True: "opfyldt", False: "ikke opfyldt", None: "ukendt"}[c["met"]]
            reasons.append(f"{SHORT_DA[c['indicator']]} {pct(c['value'])} {c['rule']}: {word}")
        counted = [c for c in criteria if c["role"] == "counted"]
        if lst.min_counted is not None:
            yes = sum(1 for c in counted if c["met"] is True)
            unknown = sum(1 for c in counted if c["met"] is None)
            near = sum(1 for c in counted if c["met"] is True or c["near"])
            if yes >= lst.min_counted:
                parts.append(True)
            elif yes + unknown < lst.min_counted:
                parts.append(False)
            else:
                parts.append(None)
            near_parts.append(near >= lst.min_counted)
            reasons.append(
                f"{yes} af {len(counted)} kriterier opfyldt (kræver {lst.min_counted})"
                + (f", {unknown} ukendt" if unknown else "")
            )
        met = _and(parts)
        return {
            "met": met,
            "approaching": met is False and all(near_parts),
            "criteria": criteria,
            "run": None,
            "detail": ", ".join(reasons),
        }

    def lineage_met(self, lineage: str, year: int) -> bool | None:
        key = (lineage, year)
        if key not in self._lineage:
            rs = self.rules.in_force(year)
            lst = rs.lineage(lineage) if rs else None
            met = self.list_result(lst, year, rs)["met"] if lst and rs else None
            if met is None and rs is not None and self._listed(year, rs) is not None:
                listed = self._listed(year, rs)
                # On a list of the lineage, or on one that takes years of it running.
                if lineage in (listed.lineage, listed.run_lineage):
                    met = True
            self._lineage[key] = met
        return self._lineage[key]

    def _listed(self, year: int, rs: RuleSet) -> ListRule | None:
        """The list a source says the area was on in `year`, if it is a list of `rs`."""
        listing = self.listings.get(year)
        if listing is None:
            return None
        return next((lst for lst in rs.lists if lst.key == listing["list_key"]), None)

    def _by_run(self, lst: ListRule, year: int) -> dict:
        assert lst.run_lineage is not None and lst.run_years is not None
        years = list(range(year - lst.run_years + 1, year + 1))
        base = [self.lineage_met(lst.run_lineage, y) for y in years]
        run = 0
        for b in reversed(base):
            if b is not True:
                break
            run += 1
        met = _and(base)
        unknown = [str(y) for y, b in zip(years, base, strict=True) if b is None]
        detail = f"{run} af {lst.run_years} år i træk på listen ({years[0]}–{years[-1]})"
        if unknown:
            detail += f"; kan ikke afgøres for {', '.join(unknown)}"
        return {
            "met": met,
            "approaching": met is not True and base[-1] is True,
            "criteria": [],
            "run": {"years": run, "required": lst.run_years, "lineage": lst.run_lineage},
            "detail": detail,
        }

    def list_result(self, lst: ListRule, year: int, rs: RuleSet) -> dict:
        out = self._by_run(lst, year) if lst.by_run else self._by_criteria(lst, year, rs)
        return {"key": lst.key, "name": lst.name, "rank": lst.rank, **out}

    # -- one year ------------------------------------------------------------------------
    def year(self, year: int) -> dict:
        rs = self.rules.in_force(year)
        row = self.values.get(year)
        base = {
            "year": year,
            "values": _values(row),
            "illustrative": bool(row and row["illustrative"]),
            "data_source": row["data_source"] if row else None,
            "provenance": _provenance(row),
            "listing": None,
        }
        if rs is None:
            reason = f"Ingen listeregler i kraft i {year}."
            return {
                **base,
                "rule_set": None,
                "status": NO_RULES_DA,
                "status_key": "no_rules",
                "certain": True,
                "lists": [],
                "met": [],
                "approaching": [],
                "missing": [],
                "reasons": [reason],
                "reason": reason,
            }
        lists = [self.list_result(lst, year, rs) for lst in rs.lists]
        ranked = sorted(lists, key=lambda r: -r["rank"])
        top = next((r for r in ranked if r["met"] is True), None)
        above_unknown = [
            r for r in ranked if r["met"] is None and (top is None or r["rank"] > top["rank"])
        ]
        listed = self._listed(year, rs)
        listing = None
        if top:
            status, status_key = top["name"], top["key"]
        elif above_unknown and listed is not None:
            # The figures cannot decide; a source states the published list.
            status, status_key, above_unknown = listed.name, listed.key, []
            listing = {
                "list_key": listed.key,
                "list_name": listed.name,
                "data_source": self.listings[year]["data_source"],
                "provenance": _listing_provenance(self.listings[year]),
            }
        elif above_unknown and row is None:
            status, status_key = NO_DATA_DA, "no_data"
        elif above_unknown:
            status, status_key = UNKNOWN_DA, "unknown"
        else:
            status, status_key = NO_LIST_DA, "none"
        main = next((r for r in ranked if r["run"] is None), None)
        met = [
            f"{SHORT_DA[c['indicator']]} {pct(c['value'])} {c['rule']}"
            for c in (main["criteria"] if main else [])
            if c["met"]
        ]
        missing = sorted({c["missing"] for r in lists for c in r["criteria"] if c["missing"]})
        reasons = []
        if row is None:
            reasons.append(f"Ingen indikatorværdier for {year}.")
        for r in ranked:
            word = {True: "opfyldt", False: "ikke opfyldt", None: "kan ikke afgøres"}[r["met"]]
            if r["approaching"]:
                word += " (nærmer sig)"
            reasons.append(f"{r['name']}: {word} – {r['detail']}")
        if missing:
            reasons.append("Mangler: " + "; ".join(missing) + ".")
        if listing:
            reasons.append(
                f"Offentliggjort liste {year}: {listing['list_name']} "
                f"(kilde: {listing['data_source']})."
            )
        national = self._national_used(rs, year)
        if national and national["illustrative"]:
            reasons.append(f"Landsværdien for {year} er illustrativ.")
        base["provenance"]["national"] = national
        return {
            **base,
            "listing": listing,
            "illustrative": base["illustrative"] or bool(national and national["illustrative"]),
            "rule_set": {"key": rs.key, "name": rs.name, "source": rs.source},
            "status": status,
            "status_key": status_key,
            "certain": not above_unknown,
            "lists": lists,
            "met": met,
            "approaching": [
                {"key": r["key"], "name": r["name"]}
                for r in ranked
                if r["approaching"] and (top is None or r["rank"] > top["rank"])
            ],
            "missing": missing,
            "reasons": reasons,
            "reason": " ".join(f"{r}." if not r.endswith(".") else r for r in reasons),
        }

    def _national_used(self, rs: RuleSet, year: int) -> dict | None:
        """The national value's provenance, when a relative threshold of `rs` uses it."""
        relative = any(t.relative_to for lst in rs.lists for t in lst.thresholds)
        n = self.national.get(year)
        if not relative or n is None:
            return None
        return {
            "kind": "illustrative" if n["illustrative"] else "register",
            "source": n["data_source"],
            "illustrative": bool(n["illustrative"]),
        }


def _provenance(row: dict | None) -> dict:
    """Where a year's figures come from: kind (plan, register, import, illustrative), source
    and date; an invented row is `illustrative` however it came in."""
    if row is None:
        return {"kind": None, "source": None, "date": None}
    date = row.get("source_date")
    return {
        "kind": "illustrative" if row["illustrative"] else row.get("provenance", "import"),
        "source": row["data_source"],
        "date": date.isoformat() if date else None,
    }


def _listing_provenance(listing: dict) -> dict:
    date = listing["source_date"]
    return {
        "kind": listing["provenance"],
        "source": listing["data_source"],
        "date": date.isoformat() if date else None,
    }


def _values(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        k: row[k]
        for k in (
            "residents",
            "outside_work",
            "convicted",
            "basic_school",
            "income",
            "non_western",
            "published",
        )
    }
