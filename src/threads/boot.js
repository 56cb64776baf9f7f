// A worker thread starts without the parent's module loader, so it cannot load a
// TypeScript entry directly: register tsx here, then import the real entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
