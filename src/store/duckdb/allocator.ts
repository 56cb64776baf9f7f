/**
 * How long DuckDB's allocator (its own jemalloc, configured by DUCKDB_JE_MALLOC_CONF)
 * keeps freed pages before handing them back to the system. With DuckDB's own setting,
 * a server storing a steady stream of events — an apply every quarter second — kept
 * touching fresh pages: about 0.2 page faults per ingested event in DuckDB's threads,
 * against 0.07 with ten seconds (bench:sdk, Segment), and a first touch costs ~10 µs on
 * the virtual machines we measure on (docs/storage.md). Ten seconds still returns the
 * memory of a burst soon after it.
 *
 * jemalloc reads the variable once, when the library loads, from the process's
 * environment — which only the main thread's process.env writes (a worker's is a copy
 * that native code does not see). So this module is imported before @duckdb/node-api
 * wherever DuckDB is opened, and by the main thread's side of the store thread, before
 * the thread that loads it starts. An operator's own setting wins.
 */
process.env.DUCKDB_JE_MALLOC_CONF ??= 'dirty_decay_ms:10000,muzzy_decay_ms:10000';
