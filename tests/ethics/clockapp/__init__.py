"""A stand-in for a future app that brings its own clock; installed only by the tests that need it."""
