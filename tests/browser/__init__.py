"""Browser tests: the dashboard driven through Playwright in Debian's chromium."""
