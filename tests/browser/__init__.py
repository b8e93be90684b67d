"""Browser journeys (Playwright + Chromium)."""
