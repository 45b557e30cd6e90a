"""OGC API – Features, Parts 1 to 4, at `/`: the routes (`features`, `edit`), their read
path (`read`), caching (`caching`), links and formats (`links`), the API definition
(`openapi`) and the browsable pages (`html`). The domain behind them is `gis.ogc`."""
