/**
 * How long DuckDB's allocator (its own jemalloc, configured by DUCKDB_JE_MALLOC_CONF)
 * keeps freed memory before handing it back to the system. DuckDB's default returns it
 * within about a second, so the next apply — a quarter second later, under load — takes
 * every page again, and each first touch is a page fault: about 10 µs on the virtual
 * machines we measured, 2–3 µs of CPU per ingested event in all (bench:sdk; docs/storage.md).
 * Ten seconds (jemalloc's own default) keeps the pages of a steady stream of applies
 * and still returns them soon after a burst.
 *
 * jemalloc reads the variable once, when the library loads, from the process's
 * environment — which only the main thread's process.env writes (a worker's is a copy
 * that native code does not see). So this module is imported before @duckdb/node-api
 * wherever DuckDB is opened, and by the main thread's side of the store thread, before
 * the thread that loads it starts. An operator's own setting wins.
 */
process.env.DUCKDB_JE_MALLOC_CONF ??= 'dirty_decay_ms:10000,muzzy_decay_ms:10000';
