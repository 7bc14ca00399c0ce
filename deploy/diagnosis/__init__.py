"""Diagnosis of a deployment that does not reproduce its reference: where Lava and the reference part."""
