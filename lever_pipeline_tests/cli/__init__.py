"""Tests of the `lever-pipeline` command, most of them over real processes."""
