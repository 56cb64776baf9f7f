/** A CLI failure for people: printed as `usagehub: <message>`, exit 2, no stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}
