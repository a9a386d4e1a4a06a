/**
 * Scenario (a): the HTTP ceiling of this machine for our stack - express + raw-body reading the
 * body under the same limit and answering 200, nothing else.
 */
import express from 'express';
import getRawBody from 'raw-body';

const app = express();
app.disable('x-powered-by');
app.post('/webhooks/:source', async (req, res) => {
  const body = await getRawBody(req, { limit: 1024 * 1024, length: req.headers['content-length'] });
  res.status(200).json({ ok: true, bytes: body.length });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close());
