"""The test suite (a package, so `tests.conftest` is the one conftest pytest loads)."""
