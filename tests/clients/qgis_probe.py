"""Run by the QGIS test with Debian's /usr/bin/python3 (python3-qgis), headless.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_probe.py URL COLLECTION [SUBSET]

Loads COLLECTION from the OGC API at URL through QGIS's OAPIF provider, counts and reads
its features, optionally with a subset string (a QGIS expression the provider may send to
the server), and prints one JSON object: validity, CRS, the count, the features' ids, their
extent, and every URL QGIS requested. Nothing of the platform is imported here.
"""

from __future__ import annotations

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsNetworkAccessManager,
    QgsVectorDataProvider,
    QgsVectorLayer,
)


def main() -> None:
    url, collection = sys.argv[1], sys.argv[2]
    subset = sys.argv[3] if len(sys.argv) > 3 else ""
    app = QgsApplication([], False)
    app.initQgis()
    requested: list[str] = []
    # Sees the requests of every thread (the provider downloads in a worker thread).
    QgsNetworkAccessManager.setRequestPreprocessor(
        lambda request: requested.append(request.url().toString())
    )
    layer = QgsVectorLayer(f"url='{url}' typename='{collection}'", collection, "OAPIF")
    out: dict = {"valid": layer.isValid()}
    if layer.isValid():
        if subset:
            out["subset_accepted"] = layer.setSubsetString(subset)
        ids, box = [], None
        for f in layer.getFeatures(QgsFeatureRequest()):
            ids.append(f.attribute("id") if "id" in f.fields().names() else f.id())
            g = f.geometry().boundingBox()
            box = g if box is None else box.combineExtentWith(g) or box
        extent = layer.extent()
        out.update(
            crs=layer.crs().authid(),
            feature_count=layer.featureCount(),
            read=len(ids),
            fields=layer.fields().names(),
            extent=[extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
            geometry_type=layer.wkbType(),
            # What the provider lets a user do with the layer: whether it can edit at all.
            capabilities=layer.dataProvider().capabilitiesString(),
            can_add=bool(layer.dataProvider().capabilities() & QgsVectorDataProvider.AddFeatures),
            can_change=bool(
                layer.dataProvider().capabilities() & QgsVectorDataProvider.ChangeAttributeValues
            ),
        )
    out["requests"] = requested
    print(json.dumps(out), flush=True)
    # Qt's teardown of the provider's download threads can crash after the work is done;
    # the answer is out, so leave without it.
    os._exit(0)


if __name__ == "__main__":
    main()
