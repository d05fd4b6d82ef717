const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

/** A unique, valid account for this run. */
function newAccount(prefix = 'e2e') {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  return {
    username: `${prefix}_${id}`.slice(0, 30),
    email: `${prefix}.${id}@example.com`,
    password: 'lantern-harbour-compass-9',
  };
}

/** Collects console errors and failed requests; call `check()` at the end of a test. */
function watchConsole(page) {
  const problems = [];
  page.on('console', (msg) => {
    // A 4xx answer to a form submit is expected (validation); the browser logs it anyway.
    const expected4xx = /Failed to load resource: the server responded with a status of 4\d\d/;
    if (msg.type() === 'error' && !expected4xx.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 500) problems.push(`${res.status()} ${res.url()}`);
  });
  return { check: () => expect(problems).toEqual([]) };
}

/**
 * Waits until every interactive island form has hydrated (each sets data-hydrated="true");
 * a submit before that would be a plain form POST.
 */
async function hydrated(page) {
  await page.waitForFunction(
    () => [...document.querySelectorAll('leptos-island form')].every((f) => f.dataset.hydrated === 'true'),
    null,
    { timeout: 15_000 },
  );
}

async function expectAccessible(page) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
  expect(summary).toEqual([]);
}

async function signUp(page, account) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('E-mail', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByLabel('Confirm password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await confirmSignUp(page, account);
}

/**
 * The sign-up form ends on "Check your inbox" (the same answer for a taken address); the
 * e-mailed link, opened in the same browser, confirms the address and signs the account in.
 */
async function confirmSignUp(page, account) {
  await expect(page).toHaveURL(/\/signup\/check-email$/);
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  const email = await latestEmail(account.email, 'Confirm your e-mail address');
  await page.goto(linkIn(email, '/verify-email?token='));
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page).toHaveURL(/\/account\?joined=1$/);
}

module.exports = { newAccount, watchConsole, hydrated, expectAccessible, signUp, confirmSignUp };

/** Promotes a user to writer directly in the e2e database (the admin area comes later). */
function promoteToWriter(username) {
  const { execFileSync } = require('child_process');
  const url = process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waypost_e2e';
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc',
    `INSERT INTO user_groups SELECT u.id, g.id FROM users u, groups g WHERE u.username = '${username}' AND g.name = 'writer'`]);
}

module.exports.promoteToWriter = promoteToWriter;

/**
 * The newest e-mail to `address` written by the server's file backend (waits for the mail
 * worker), decoded enough to read links.
 */
async function latestEmail(address, subject, timeout = 10_000) {
  const fs = require('fs');
  const path = require('path');
  const dir = process.env.WAYPOST_E2E_MAIL_DIR;
  const started = Date.now();
  while (Date.now() - started < timeout) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().reverse() : [];
    for (const file of files) {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8');
      const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      if (text.includes(`To: ${address}`) && text.includes(`Subject: ${subject}`)) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no e-mail "${subject}" to ${address} in ${dir}`);
}

/** The first link in an e-mail whose address contains `fragment`. */
function linkIn(email, fragment) {
  const match = email.match(new RegExp(`https?://[^\\s"<>]*${fragment.replace(/[?]/g, '\\?')}[^\\s"<>]*`));
  if (!match) throw new Error(`no ${fragment} link in the e-mail`);
  return match[0];
}

module.exports.latestEmail = latestEmail;
module.exports.linkIn = linkIn;

/** The first staff account, made the way an owner would: `waypost createsuperuser`. */
function createSuperuser(account) {
  const path = require('path');
  const { execFileSync } = require('child_process');
  const root = path.resolve(__dirname, '..', '..');
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  const out = execFileSync(path.join(targetDir, 'release', 'waypost'),
    ['createsuperuser', '--username', account.username, '--email', account.email], {
      cwd: root,
      env: {
        ...process.env,
        ENVIRONMENT_DEVELOPMENT: 'true',
        DATABASE_URL: process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waypost_e2e',
        WAYPOST_SUPERUSER_PASSWORD: account.password,
        LOG_LEVEL: 'warn',
      },
    }).toString();
  expect(out).toContain(`Staff account ${account.username} created`);
}

module.exports.createSuperuser = createSuperuser;

/** Logs in through the login form (hydrated) and waits for the index. */
async function logIn(page, account) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

module.exports.logIn = logIn;
