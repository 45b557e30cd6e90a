"""Rendering the plan's maps and charts: static maps (PNG/PDF), GeoTIFF, SVG charts."""
