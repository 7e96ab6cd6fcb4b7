// An OpenID provider for the single sign-on tests: oidc-provider on a free loopback port, its issuer printed as the
// first line of stdout ({"issuer": …}). One client (from argv JSON), users with their claims, a plain login form (any
// password: the tests are about the relying party). A few switches on /__test let a test make the provider misbehave
// the way a wrong or hostile provider would: an id_token for another audience, from another issuer, or with another nonce,
// each signed with the provider's own key so that only the claim is wrong.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2] ?? '{}');
const users = settings.users ?? {};
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
let tamper = {};

const server = http.createServer();
// A loopback address of its own (any of 127.0.0.0/8), so that no two providers of a test run share an issuer.
const host = settings.host ?? '127.0.0.1';
await new Promise((resolve) => server.listen(0, host, resolve));
const issuer = `http://${host}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: settings.clients ?? [],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  // amr (how the person authenticated) goes with the openid scope, into every id_token.
  claims: { openid: ['sub', 'amr'], profile: ['name', 'roles', 'county', 'unit', 'dept', 'city'], email: ['email', 'email_verified'] },
  // The claims go into the id_token itself (as many providers do); the userinfo endpoint answers them too.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => (users[sub] ? { accountId: sub, claims: async () => ({ sub, ...users[sub] }) } : undefined),
  // A first-party client: no consent screen; the grant covers what was asked.
  loadExistingGrant: async (ctx) => {
    const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid');
    grant.addOIDCClaims(['sub', 'amr', 'name', 'email', 'email_verified', 'roles', 'county', 'unit', 'dept', 'city']);
    await grant.save();
    return grant;
  },
  ttl: { AuthorizationCode: 120, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
});

function resign(token) {
  const [, body] = token.split('.');
  const payload = { ...JSON.parse(Buffer.from(body, 'base64url')), ...tamper };
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: jwk.kid })).toString('base64url');
  const claims = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), privateKey).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token && Object.keys(tamper).length > 0) {
    ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token) };
  }
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid, error) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证</title></head><body>
<h1>统一身份认证（测试）</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login"><label for="login">用户名</label><input id="login" name="login" autocomplete="username">
<label for="password">密码</label><input id="password" name="password" type="password"><button type="submit">登录</button></form></body></html>`;

const readForm = (req) => new Promise((resolve, reject) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { text += chunk; if (text.length > 10000) req.destroy(); });
  req.on('end', () => resolve(new URLSearchParams(text)));
  req.on('error', reject);
});

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/__test/tamper' && req.method === 'POST') {
      tamper = Object.fromEntries(await readForm(req));
      if (tamper.exp) tamper.exp = Number(tamper.exp);
      res.writeHead(204).end();
      return;
    }
    const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (match) {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(details.uid));
        return;
      }
      const login = (await readForm(req)).get('login') ?? '';
      if (!users[login]) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(details.uid, '用户名或密码错误'));
        return;
      }
      // How the person authenticated (RFC 8176), as the user's settings say: a password alone unless told otherwise.
      const amr = settings.amr?.[login] ?? ['pwd'];
      await provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
