"""The arealudviklingsselskab's land: plots, sale status, building rights, walking distances."""
