/**
 * Scenario (a'): the HTTP ceiling without a framework - node:http reading the body under the same
 * limit and answering 200, nothing else.
 */
import { createServer } from 'node:http';

const LIMIT = 1024 * 1024;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > LIMIT) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const body = JSON.stringify({ ok: true, bytes: Buffer.concat(chunks).length });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close());
