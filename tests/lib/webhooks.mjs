// A webhook receiver for tests: an HTTP server on 127.0.0.1 that records every request (headers,
// body, URL and the status it answered) and answers with the next status of `statuses`, then 200;
// while `refusing` is set it answers 503 instead.
import http from 'node:http';

export async function startReceiver(statuses = []) {
  const received = [];
  const receiver = { received, refusing: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      res.statusCode = receiver.refusing ? 503 : statuses.shift() ?? 200;
      received.push({ headers: req.headers, body, url: req.url, status: res.statusCode });
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${server.address().port}/hooks/glm?src=test`;
  receiver.close = () => new Promise((r) => server.close(r));
  return receiver;
}
