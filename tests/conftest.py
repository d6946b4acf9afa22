"""Shared pytest set-up: notebooks under tests/ are fixtures, never lessons to re-run."""

collect_ignore_glob = ["**/*.ipynb"]
