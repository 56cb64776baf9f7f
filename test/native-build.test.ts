/**
 * After the Node under an installation changes, the CLI and the server say which native
 * module to rebuild instead of a stack trace (the message is Node's own, as it loads an
 * addon of another ABI: this text is what Node 24 printed for a Node 20 build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeBuildMismatch } from '../src/cli/native-build.ts';

test('an addon built for another Node: which one, and the command that rebuilds it', () => {
  const err = new Error(
    "The module '/srv/usagehub/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\n' +
      'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 137. Please try re-compiling or re-installing\n' +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  );
  const said = nativeBuildMismatch(err);
  assert.match(
    said ?? '',
    /^better-sqlite3 was built for another Node\.js \(module version 115; Node v\S+ needs 137\)/,
  );
  assert.match(said ?? '', /npm rebuild better-sqlite3/);
  assert.equal(nativeBuildMismatch(new Error('ENOENT: no such file')), undefined);
  assert.equal(nativeBuildMismatch('NODE_MODULE_VERSION 115'), undefined);
});
