"""The reference dataset is reproducible: the script rebuilds the bundled file exactly."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyogrio
import pytest

from gis.reference import LAYERS, default_reference_path

SCRIPT = default_reference_path().with_name("build_reference.py")


def _layer(path, name) -> pd.DataFrame:
    df = pyogrio.read_dataframe(path, layer=name)
    if "geometry" not in df:
        return df
    out = pd.DataFrame(df.drop(columns="geometry"))
    out["wkb"] = df.geometry.to_wkb()
    return out


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("kort") / "vollsmose.gpkg"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True
    )
    return out


@pytest.mark.parametrize("layer", LAYERS)
def test_bundled_file_is_what_the_script_builds(rebuilt, layer):
    pd.testing.assert_frame_equal(_layer(rebuilt, layer), _layer(default_reference_path(), layer))


def test_every_geometry_layer_is_in_25832():
    for name, geometry_type in pyogrio.list_layers(default_reference_path()):
        if geometry_type is not None:
            info = pyogrio.read_info(default_reference_path(), layer=name)
            assert info["crs"] == "EPSG:25832", name
