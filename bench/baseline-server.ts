/**
 * The raw baseline: a plain node:http server that only reads and JSON.parses the
 * body (gunzipped first when it says Content-Encoding: gzip), then answers 200. What
 * usagehub does beyond this is what the ratio measures.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

const port = Number(process.argv[2] ?? 0);
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = Buffer.concat(chunks);
      const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      JSON.parse(bytes.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
