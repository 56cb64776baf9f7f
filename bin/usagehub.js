#!/usr/bin/env node
// usagehub runs from its TypeScript source through tsx's loader: no build step
// between a clone and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
