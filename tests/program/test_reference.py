"""The program on the whole reference dataset: delprogram 1's legal share is the platform's
own (the tenure mix of 1 January of the next year), against the law's 40 % and the
development plan's 38.4 %."""

from __future__ import annotations


def test_the_legal_share_indicator_is_the_tenure_mix_of_the_next_1_january(ref_client) -> None:
    body = ref_client.get("/program/attraktive-fysiske-rammer").json()
    share = next(i for i in body["indicators"] if i["key"] == "almene_familieboliger_andel")
    values = {v["year"]: v for v in share["values"]}
    assert sorted(values) == list(range(2019, 2031))
    for year in (2019, 2025, 2029):
        mix = ref_client.get(f"/areas/vollsmose/tenure-mix?year={year + 1}").json()
        assert values[year]["value"] == round(mix["total"]["legal_share"] * 100, 2)
        assert values[year]["provenance"] == "plan"
        assert f"1. januar {year + 1}" in values[year]["source"]
    targets = {(t["year"], t["kind"]): t for t in share["targets"]}
    assert targets[(2029, "target")]["value"] == 40  # the law: 1 January 2030
    assert targets[(2030, "milestone")]["value"] == 38.4
    assert targets[(2030, "milestone")]["illustrative"] is True  # the plan names no year
    assert share["latest"]["year"] == 2030
    met = values[2030]["value"] <= 38.4
    assert share["status"] == ("met" if met else "not_met")
