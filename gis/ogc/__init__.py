"""The OGC API's domain, no web framework: each endpoint's query parameters declared once
(`params`), what a layer's features are to filters and clients (`queryables`), features of
a layer as one statement (`features`), CQL2 filters compiled to SQL (`cql2`) and the CRSs
it reads and writes (`crs`)."""
