"""The tests mirror the package (tests/convert/ for gonghui.convert …); files across stages stay
here. Having this file puts tests/ on sys.path, so every test can import the shared `servers`."""
