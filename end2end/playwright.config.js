// Browser tests run Debian's chromium against the release build of Waypost.
// `scripts/test` builds it first; the server gets its own database and Redis key prefix.
const { defineConfig } = require('@playwright/test');
const os = require('os');
const path = require('path');

// The server's e-mails land here as .eml files (the file backend); tests read them. Set once
// by the runner; its worker processes inherit it.
process.env.WAYPOST_E2E_MAIL_DIR ||= path.join(os.tmpdir(), `waypost-e2e-mail-${process.pid}`);

const root = path.resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const port = process.env.E2E_PORT || '3100';
const baseURL = `http://127.0.0.1:${port}`;
// A local OAuth 2.0 / OpenID Connect provider (oauth-provider.mjs) stands in for Google and X.
const oauth = { google: 3191, x: 3192, control: 3193 };
process.env.WAYPOST_E2E_OAUTH_CONTROL ||= `http://127.0.0.1:${oauth.control}`;

module.exports = defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 7_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: [{
    command: `node oauth-provider.mjs ${oauth.google} ${oauth.x} ${oauth.control}`,
    cwd: __dirname,
    url: `http://127.0.0.1:${oauth.control}/authorizations/google`,
    timeout: 20_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  }, {
    command: process.env.WAYPOST_BIN || path.join(targetDir, 'release', 'waypost'),
    cwd: root,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      ...process.env,
      LEPTOS_OUTPUT_NAME: 'waypost',
      LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_ENV: 'PROD',
      // Hashed bundle names (hash-files); hash.txt sits next to the binary.
      LEPTOS_HASH_FILES: 'true',
      ENVIRONMENT_DEVELOPMENT: 'true',
      SITE_URL: baseURL,
      DATABASE_URL: process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waypost_e2e',
      REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `waypost-e2e-${Date.now()}`,
      LOG_LEVEL: 'warn',
      EMAIL_BACKEND: 'file',
      EMAIL_FILE_PATH: process.env.WAYPOST_E2E_MAIL_DIR,
      // Most tests act right after signing up; tests/mail.spec.js covers confirmation.
      REQUIRE_VERIFIED_EMAIL: 'false',
      // Every test signs up from this one address.
      SIGNUPS_PER_IP_PER_HOUR: '100000',
      GOOGLE_CLIENT_ID: 'waypost-e2e-google',
      GOOGLE_CLIENT_SECRET: 'e2e-google-secret',
      GOOGLE_AUTH_URL: `http://127.0.0.1:${oauth.google}/authorize`,
      GOOGLE_TOKEN_URL: `http://127.0.0.1:${oauth.google}/token`,
      GOOGLE_USERINFO_URL: `http://127.0.0.1:${oauth.google}/userinfo`,
      TWITTER_OAUTH2_CLIENT_ID: 'waypost-e2e-x',
      TWITTER_OAUTH2_CLIENT_SECRET: 'e2e-x-secret',
      TWITTER_AUTH_URL: `http://127.0.0.1:${oauth.x}/authorize`,
      TWITTER_TOKEN_URL: `http://127.0.0.1:${oauth.x}/token`,
      TWITTER_USERINFO_URL: `http://127.0.0.1:${oauth.x}/userinfo`,
    },
  }],
});
