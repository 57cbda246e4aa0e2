// A real OpenID Connect provider (npm oidc-provider) on loopback for the
// console's single sign-on tests (console_sso_test.cpp, the browser suite).
//
//   node provider.mjs --redirect-uri URL [--port N] [--client-id ID] [--client-secret S]
//
// Prints "issuer http://127.0.0.1:PORT" once listening. Two clients share the
// redirect URI: ID (ID tokens signed RS256) and ID-es256 (ES256), so the
// console is tested against both key types the provider publishes.
//
// Accounts: alice (group telltale-investigators), carol (telltale-admins),
// mallory (no group). The login page is a plain form naming the account.
//
// POST /__test/mode with body wrong_audience | expired | tampered | ok changes
// what the token endpoint hands out next, to prove the console refuses it:
// wrong_audience and expired are re-signed with the provider's own key (so
// only that one claim is wrong), tampered changes the payload and keeps the
// old signature. Reachable only on loopback, like the provider itself.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, v, i, a) => (v.startsWith('--') ? [...acc, [v.slice(2), a[i + 1]]] : acc), []));
const port = Number(args.port ?? 0);
const clientId = args['client-id'] ?? 'telltale-console';
const clientSecret = args['client-secret'] ?? 'telltale-console-secret-for-tests';
if (!args['redirect-uri']) {
  console.error('provider.mjs: --redirect-uri is required');
  process.exit(2);
}

const accounts = {
  alice: { email: 'alice@example.com', name: 'Alice Investigator', groups: ['telltale-investigators'] },
  carol: { email: 'carol@example.com', name: 'Carol Admin', groups: ['telltale-admins', 'staff'] },
  mallory: { email: 'mallory@example.com', name: 'Mallory', groups: ['staff'] },
};

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaJwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' };
const ecJwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig', alg: 'ES256' };

let mode = 'ok';

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: clientId, client_secret: clientSecret, redirect_uris: [args['redirect-uri']],
        grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'RS256' },
      { client_id: `${clientId}-es256`, client_secret: clientSecret, redirect_uris: [args['redirect-uri']],
        grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256' },
    ],
    jwks: { keys: [rsaJwk, ecJwk] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    conformIdTokenClaims: false,  // the ID token carries the claims (the console reads no userinfo)
    async findAccount(ctx, sub) {
      if (!accounts[sub]) return undefined;
      return { accountId: sub, claims: async () => ({ sub, preferred_username: sub, ...accounts[sub] }) };
    },
    async loadExistingGrant(ctx) {
      // First-party console: consent is implied, as a company IdP configures it.
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile groups');
      grant.addOIDCClaims(['email', 'name', 'preferred_username', 'groups']);
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  const page = (title, body) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px sans-serif;margin:3em auto;max-width:22em}` +
    `input,button{font:inherit;padding:.4em;width:100%;margin:.3em 0}</style></head><body><h1>Example IdP</h1>${body}</body></html>`;

  const sign = (header, payload, key) => {
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b64(header)}.${b64(payload)}`;
    const sig = header.alg === 'ES256'
      ? crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : crypto.sign('sha256', Buffer.from(input), key);
    return `${input}.${sig.toString('base64url')}`;
  };
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.body?.id_token || mode === 'ok') return;
    const [h, p, s] = ctx.body.id_token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    const key = header.alg === 'ES256' ? ec.privateKey : rsa.privateKey;
    if (mode === 'wrong_audience') ctx.body.id_token = sign(header, { ...payload, aud: 'some-other-app' }, key);
    if (mode === 'expired') {
      const now = Math.floor(Date.now() / 1000);
      ctx.body.id_token = sign(header, { ...payload, iat: now - 7200, exp: now - 3600 }, key);
    }
    if (mode === 'tampered') {
      const forged = Buffer.from(JSON.stringify({ ...payload, groups: ['telltale-admins'] })).toString('base64url');
      ctx.body.id_token = `${h}.${forged}.${s}`;
    }
    console.log(`token handed out with mode=${mode}`);
  });

  const handler = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      if (url.pathname === '/__test/mode' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        mode = body.trim() || 'ok';
        res.end(`mode=${mode}\n`);
        return;
      }
      const m = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
      if (m && req.method === 'GET' && !m[2]) {
        await provider.interactionDetails(req, res);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(page('Sign in', `<form method="post" action="/interaction/${m[1]}/login"><label>Account
          <input name="login" autofocus autocomplete="off"></label><button type="submit">Sign in</button></form>`));
        return;
      }
      if (m && req.method === 'POST' && m[2]) {
        let body = '';
        for await (const chunk of req) body += chunk;
        const login = new URLSearchParams(body).get('login');
        if (!accounts[login]) {
          res.statusCode = 400;
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end(page('Sign in', '<p>Unknown account.</p>'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      handler(req, res);
    } catch (e) {
      console.error(`provider error: ${e.stack || e}`);
      res.statusCode = 500;
      res.end('provider error');
    }
  });
  console.log(`issuer ${issuer}`);
});
