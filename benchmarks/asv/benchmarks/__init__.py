"""asv benchmarks for kcore (run from benchmarks/asv: ``asv run``)."""
