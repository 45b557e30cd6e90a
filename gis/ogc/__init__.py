"""The OGC API's domain, no web framework: features of a layer as one statement
(`features`), CQL2 filters compiled to SQL (`cql2`) and the CRSs it reads and writes
(`crs`)."""
