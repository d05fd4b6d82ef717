// A real local OAuth 2.0 / OpenID Connect provider for the tests, standing in for Google and
// for X (npm's oauth2-mock-server: authorization endpoint, token endpoint that checks the
// PKCE verifier against the S256 challenge, signed tokens, userinfo).
//
//   node oauth-provider.mjs <google port> <x port> <control port>
//
// Each provider has its own port. The authorization endpoint approves at once (there is no
// consent screen to click), as whoever the test chose last:
//   POST http://127.0.0.1:<control port>/identity/google  {"sub","email","email_verified","name"}
//   POST http://127.0.0.1:<control port>/identity/x       {"id","username","name"}
// GET /authorizations/<provider> on the control port counts the authorization requests seen
// (and whether each carried an S256 code challenge).
import { OAuth2Server } from 'oauth2-mock-server';
import http from 'node:http';

const [googlePort, xPort, controlPort] = process.argv.slice(2).map(Number);
if (!googlePort || !xPort || !controlPort) {
  console.error('usage: node oauth-provider.mjs <google port> <x port> <control port>');
  process.exit(2);
}

const identities = {
  google: { sub: 'google-default', email: 'default@example.com', email_verified: true, name: 'Default' },
  x: { id: 'x-default', username: 'default_x', name: 'Default' },
};
const authorizations = { google: [], x: [] };

async function startProvider(name, port) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  server.service.on('beforeAuthorizeRedirect', (_redirect, req) => {
    authorizations[name].push({
      challenge: Boolean(req.query.code_challenge),
      method: req.query.code_challenge_method || null,
      scope: req.query.scope || null,
    });
  });
  server.service.on('beforeUserinfo', (response) => {
    const who = identities[name];
    response.body = name === 'x'
      ? { data: { id: who.id, name: who.name, username: who.username } }
      : { ...who };
  });
  await server.start(port, '127.0.0.1');
  return server;
}

const servers = [await startProvider('google', googlePort), await startProvider('x', xPort)];

const control = http.createServer((req, res) => {
  const [, kind, provider] = (req.url || '').split('/');
  if (!(provider in identities)) {
    res.writeHead(404).end();
    return;
  }
  if (req.method === 'GET' && kind === 'authorizations') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(authorizations[provider]));
    return;
  }
  if (req.method !== 'POST' || kind !== 'identity') {
    res.writeHead(405).end();
    return;
  }
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    try {
      identities[provider] = JSON.parse(body);
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end('not JSON');
    }
  });
});
control.listen(controlPort, '127.0.0.1', () => console.log(`oauth provider ready ${googlePort} ${xPort} ${controlPort}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    control.close();
    await Promise.all(servers.map((s) => s.stop()));
    process.exit(0);
  });
}
