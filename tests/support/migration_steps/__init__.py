"""Migration steps for the runner's tests (MIGRATIONS_PACKAGE=tests.support.migration_steps): the
real baseline, then a backfill over every order that a test can crash part way through."""
