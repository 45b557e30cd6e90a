"""Each register's importer by the name the command line and the upload route give it."""

from __future__ import annotations

from gis.registers import bbr, dar, matrikel, plandata

IMPORTERS = {
    "bbr": bbr.import_bbr,
    "matrikel": matrikel.import_matrikel,
    "dar": dar.import_dar,
    "plandata": plandata.import_plandata,
}
