"""The report and the page show the criteria part's answer, or say that there is none."""

from __future__ import annotations

import importlib.util

from markupsafe import escape

from gis.monitoring.criteria import criteria_status


def test_criteria_are_the_criteria_parts_or_said_to_be_unavailable(ref_conn, ref_client) -> None:
    status = criteria_status(ref_conn, "vollsmose", 2015, 2025)
    html = ref_client.get("/kort/omraader/vollsmose/fremdrift?year=2025").text
    if importlib.util.find_spec("gis.criteria") is None:
        assert status.years == [] and "ikke tilgængelige" in status.unavailable
        assert str(escape(status.unavailable)) in html
    else:
        from gis.criteria import evaluate

        expected = evaluate(ref_conn, "vollsmose", 2015, 2025)
        if status.unavailable is None:
            assert status.years == list(expected)
            for row in expected:
                assert f'data-year="{row["year"]}"' in html
        else:
            assert str(escape(status.unavailable)) in html
