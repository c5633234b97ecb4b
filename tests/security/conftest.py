"""Security tests: they attack the app. The fixtures of tests/conftest.py
(app, client, world, api, new_item...) apply here too."""
