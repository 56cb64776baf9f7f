/**
 * better-sqlite3 is compiled for one Node.js ABI. After the Node under an installation
 * changes (20 to 24, say) and before `npm ci` or `npm rebuild` has run with the new
 * one, loading it fails deep in a stack trace; this says what happened and what to do.
 */
export function nativeBuildMismatch(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const said = err.message.replace(/\s+/g, ' ');
  const versions =
    /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires NODE_MODULE_VERSION (\d+)/.exec(said);
  const module = /node_modules\/([^/]+)\//.exec(said)?.[1];
  if (!versions || !module) return undefined;
  return (
    `${module} was built for another Node.js (module version ${versions[1]}; Node ${process.version} needs ${versions[2]}). ` +
    `Rebuild it with this Node, in usagehub's directory: npm rebuild ${module} (or npm ci). See docs/deploy.md#nodejs.`
  );
}
