"""Importers of the Danish registers (BBR, Matrikel): see gis.registers.common."""
