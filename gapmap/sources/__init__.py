"""Sources: one module per dataset, each returning validated (Geo)DataFrames."""
