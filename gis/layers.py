"""The map layers: which table each one reads, its geometry, its life and its properties.

One registry serves the OGC API, the vector tiles, the web viewer and the static maps, so a
layer means the same everywhere. A layer with a life (`start`, `end` event-year columns)
is filtered by `gis.state`'s rule when a year is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, text

from gis.errors import InvalidParameter, NotFound
from gis.land.confidential import CONFIDENTIAL_FIELDS
from gis.models import SRID, Base
from gis.roles import Permission, Reader


@dataclass(frozen=True)
class Layer:
    id: str
    title: str
    description: str
    # FROM clause: a table, or a join; columns below are qualified by `t.`.
    source: str
    geometry: str
    geometry_type: str
    properties: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    # The table the properties come from, when `source` is a join: their types are read
    # from its model (a property it does not have is text).
    table: str | None = None
    # Properties only a reader allowed to read confidential data sees (sale prices, buyers).
    # They are absent from `properties`, so every path that does not ask for the reader's
    # view (tiles, the OpenAPI document, the collection list) never carries them; their
    # types are read from `confidential_table`.
    confidential: tuple[str, ...] = ()
    confidential_table: str | None = None
    # The FROM clause that also carries them (`source` never names a confidential table).
    confidential_source: str | None = None
    # JSON Schema types of properties no table holds as such (computed in `source`).
    types: tuple[tuple[str, str], ...] = ()
    # The lowest zoom whose vector tiles carry the layer: below it a tile has no MVT layer
    # of it (`gis.ogc.tiles`), and TileJSON, the tileset metadata and an exported pyramid's
    # metadata say so. Dense footprint layers only (FOOTPRINT_MINZOOM, below).
    tile_minzoom: int = 0

    def for_reader(self, reader: Reader) -> Layer:
        """The layer as `reader` may see it: with the confidential properties, or without."""
        if self.confidential and reader.may(Permission.READ_CONFIDENTIAL):
            return replace(
                self,
                source=self.confidential_source or self.source,
                properties=self.properties + self.confidential,
                confidential=(),
            )
        return self

    @property
    def has_life(self) -> bool:
        return self.start is not None or self.end is not None

    def property_types(self) -> dict[str, str]:
        """JSON Schema type of each property: string, integer, number or boolean."""
        table = Base.metadata.tables[self.table or self.source.split()[0]]
        extra = Base.metadata.tables.get(self.confidential_table or "")
        out = {}
        given = dict(self.types)
        for name in self.properties:
            if name in given:
                out[name] = given[name]
                continue
            column = table.columns.get(name)
            if column is None and extra is not None:
                column = extra.columns.get(name)
            python = column.type.python_type if column is not None else str
            out[name] = _JSON_TYPES.get(python, "string")
        return out


_JSON_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string"}


# Plots: the parcel and its land record; for a reader who may see it, also (left-joined) its
# confidential sale data, which the public's source never names: the database refuses
# `parcel_sale` to the public's role (migration 0014). Constraints as comma-separated text
# and dates as ISO text, so CQL2 can compare them; the building right is the effective one.
_PLOTS = """(
    SELECT p.id, p.geom, p.ejerlavskode::text || '-' || p.matrikelnummer AS matrikel,
           p.planned_use, coalesce(p.registered_area_m2, round(ST_Area(p.geom))) AS plot_area_m2,
           l.plot_label, l.owner_category, l.sale_status, l.sale_year, l.sale_phase,
           round(coalesce(l.building_right_m2,
                          l.plot_ratio * coalesce(p.registered_area_m2, ST_Area(p.geom))))
               AS building_right_m2,
           l.plot_ratio, l.expected_dwellings, l.expected_business_m2,
           array_to_string(l.constraints, ',') AS constraints{sale}
    FROM parcel p
    JOIN parcel_land l ON l.parcel_id = p.id{join}
) t"""
PLOTS_SOURCE = _PLOTS.format(sale="", join="")
PLOTS_CONFIDENTIAL_SOURCE = _PLOTS.format(
    sale=""",
           s.price_dkk::float8 AS price_dkk, s.buyer, s.option_holder,
           s.offered_date::text AS offered_date, s.option_date::text AS option_date,
           s.option_expires::text AS option_expires, s.sold_date::text AS sold_date""",
    join="""
    LEFT JOIN parcel_sale s ON s.parcel_id = p.id""",
)

# The vector tiles' minimum zoom of the footprint layers, dense wherever there are buildings
# (a national building tile at z8 holds ~26,000 of them, each under a pixel, and is dear to
# make): as in every mature basemap (OpenMapTiles' buildings start at z13), a zoomed-out map
# shows the quarters and areas, not the footprints. Measured on the national stock:
# benchmarks/README.md, "Tiles on the national stock with a minimum zoom".
FOOTPRINT_MINZOOM = 13

# Where an imported feature's values come from (gis.registers): the register (`bbr`,
# `matrikel`), its record id there, the date of the extract it was first seen with them.
# NULL for the reference dataset's and planners' features. Read-only (gis.editing.specs).
PROVENANCE = ("source_id", "source_register", "source_extract_date")

LAYERS: dict[str, Layer] = {
    layer.id: layer
    for layer in (
        Layer(
            id="areas",
            title="Områder",
            description="Designated areas (the hard-ghetto area, the udsat area).",
            source="area t",
            geometry="t.boundary",
            geometry_type="MultiPolygon",
            properties=("slug", "name", "kind", "description", "data_source"),
        ),
        Layer(
            id="quarters",
            title="Kvarterer og afdelinger",
            description="Quarter polygons of every quarter set (departments, planned quarters).",
            source=(
                "(SELECT q.*, qs.slug AS quarter_set, a.slug AS area FROM quarter q"
                " JOIN quarter_set qs ON qs.id = q.quarter_set_id"
                " JOIN area a ON a.id = qs.area_id) t"
            ),
            geometry="t.geom",
            geometry_type="MultiPolygon",
            properties=("area", "quarter_set", "slug", "name", "owner", "color"),
            table="quarter",
        ),
        Layer(
            id="parcels",
            title="Matrikler",
            description="Cadastral parcels (matrikel).",
            source="parcel t",
            geometry="t.geom",
            geometry_type="MultiPolygon",
            tile_minzoom=FOOTPRINT_MINZOOM,
            properties=(
                "ejerlavskode",
                "matrikelnummer",
                "owner",
                "registered_area_m2",
                "planned_use",
                *PROVENANCE,
            ),
        ),
        Layer(
            id="plots",
            title="Grunde (arealudviklingsselskabet)",
            description=(
                "Parcels as land: owner, planned use, sale status and year, building right "
                "(explicit, or plot area × plot ratio), expected dwellings and business m², "
                "constraints. ILLUSTRATIVE reference data. Sale data (price, buyer, option "
                "holder, dates) only for readers allowed to read it."
            ),
            source=PLOTS_SOURCE,
            geometry="t.geom",
            geometry_type="MultiPolygon",
            tile_minzoom=FOOTPRINT_MINZOOM,
            properties=(
                "plot_label",
                "matrikel",
                "owner_category",
                "planned_use",
                "sale_status",
                "sale_year",
                "sale_phase",
                "plot_area_m2",
                "building_right_m2",
                "plot_ratio",
                "expected_dwellings",
                "expected_business_m2",
                "constraints",
            ),
            table="parcel_land",
            confidential=CONFIDENTIAL_FIELDS,
            confidential_table="parcel_sale",
            confidential_source=PLOTS_CONFIDENTIAL_SOURCE,
            types=(("matrikel", "string"), ("plot_area_m2", "number"), ("price_dkk", "number")),
        ),
        Layer(
            id="buildings",
            title="Bygninger",
            description="Buildings with their life: built, renovated, demolished.",
            source="building t",
            geometry="t.footprint",
            geometry_type="MultiPolygon",
            tile_minzoom=FOOTPRINT_MINZOOM,
            properties=(
                "source_id",
                "name",
                "department",
                "use",
                "bbr_use_code",
                "storeys",
                "floor_area_m2",
                "business_floor_area_m2",
                "construction_year",
                "owner",
                "ejerforhold",
                "built_year",
                "built_decided",
                "renovation_start_year",
                "renovation_end_year",
                "renovation_decided",
                "demolished_year",
                "demolition_decided",
                # source_id is the building's key (editable, above); its register and extract:
                *PROVENANCE[1:],
            ),
            start="built_year",
            end="demolished_year",
        ),
        Layer(
            id="local_plans",
            title="Lokalplaner og delområder",
            description=(
                "Lokalplaner and their delområder from Plandata.dk (vollsmose import "
                "plandata): plan number, name, status (forslag, vedtaget, aflyst), dates, a "
                "delområde's general use, bebyggelsesprocent, max height and storeys."
            ),
            # The reference dataset's illustrative plans (source ids `reference:…`) come
            # from no register.
            source=(
                "(SELECT lp.*, CASE WHEN lp.source_id LIKE 'reference:%' THEN NULL "
                "ELSE 'plandata' END AS source_register FROM local_plan lp) t"
            ),
            geometry="t.geom",
            geometry_type="MultiPolygon",
            properties=(
                "kind",
                "plan_id",
                "plan_number",
                "plan_name",
                "subarea",
                "status",
                "municipality",
                "proposed_date",
                "adopted_date",
                "in_force_date",
                "general_use",
                "plot_ratio_pct",
                "max_height_m",
                "max_storeys",
                "document_url",
                *PROVENANCE,
            ),
            table="local_plan",
            types=(("source_register", "string"),),
        ),
        Layer(
            id="roads",
            title="Veje og stier",
            description="Bygade, sivegader, paths and existing roads.",
            source="road t",
            geometry="t.geom",
            geometry_type="MultiLineString",
            properties=("kind", "name", "status", "opening_year", "closing_year", "decided"),
            start="opening_year",
            end="closing_year",
        ),
        Layer(
            id="rail_lines",
            title="Letbane linje 2",
            description="Letbane line 2 (Odense light rail stage 2); not decided.",
            source="rail_line t",
            geometry="t.geom",
            geometry_type="MultiLineString",
            properties=("name", "decided", "opening_year"),
            start="opening_year",
        ),
        Layer(
            id="rail_stops",
            title="Letbanestop",
            description="Stops of letbane line 2.",
            source="(SELECT s.*, l.name AS line FROM rail_stop s"
            " JOIN rail_line l ON l.id = s.line_id) t",
            geometry="t.geom",
            geometry_type="Point",
            properties=("line", "name", "decided", "opening_year"),
            table="rail_stop",
            start="opening_year",
        ),
        Layer(
            id="facilities",
            title="Institutioner og faciliteter",
            description="Schools, day-care, library and other facilities, with their life.",
            source="facility t",
            geometry="t.geom",
            geometry_type="Point",
            properties=("name", "kind", "owner", "opening_year", "closing_year", "decided"),
            start="opening_year",
            end="closing_year",
        ),
    )
}


def get_layer(layer_id: str) -> Layer:
    try:
        return LAYERS[layer_id]
    except KeyError:
        raise NotFound("layer", layer_id) from None


def life_condition(layer: Layer, year_param: str = "year") -> str:
    """SQL condition (bound parameter `:year_param`) for "present in that year"."""
    if not layer.has_life:
        return "TRUE"
    start = f"t.{layer.start}" if layer.start else "NULL"
    end = f"t.{layer.end}" if layer.end else "NULL"
    return f"state_includes({start}, {end}, :{year_param})"


def feature_collection(
    conn: Connection,
    layer_id: str,
    *,
    year: int | None = None,
    srid: int = SRID,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict:
    """All features of a layer (present in `year`, if given) as a GeoJSON-like dict.

    Geometry is in `srid`; `bbox` is in the storage CRS. For paged, filtered access use the
    OGC API; this serves whole (small) layers to maps.
    """
    layer = get_layer(layer_id)
    if srid <= 0:
        raise InvalidParameter("srid", f"Not an EPSG code: {srid}.")
    where = [life_condition(layer) if year is not None else "TRUE"]
    params: dict = {"year": year, "srid": srid}
    if bbox is not None:
        where.append(f"{layer.geometry} && ST_MakeEnvelope(:x0, :y0, :x1, :y1, {SRID})")
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
    props = ", ".join(f"'{p}', t.{p}" for p in layer.properties)
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'id', t.id,
                'geometry', ST_AsGeoJSON(ST_Transform({layer.geometry}, :srid), 7)::json,
                'properties', json_build_object({props})
            ) ORDER BY t.id), '[]'::json)
        )
        FROM {layer.source}
        WHERE {" AND ".join(where)}
    """
    return conn.execute(text(sql), params).scalar_one()
