"""A test-only app holding one concrete reference table, installed by the test settings only."""
