//! Fuzz helpers shared by the cargo-fuzz targets and the corpus replay test.
