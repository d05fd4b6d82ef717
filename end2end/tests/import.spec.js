const { test, expect } = require('@playwright/test');
const path = require('path');
const { execFileSync } = require('child_process');
const { watchConsole, hydrated, expectAccessible } = require('./helpers');

const root = path.resolve(__dirname, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const waypostDb = process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/waypost_e2e';
const djangoDb = 'postgres://postgres@127.0.0.1:5432/waypost_e2e_django';

/** The Django blog's sample database, moved into the running Waypost with the real command. */
function importSample() {
  const psql = (args) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  psql(['-d', 'postgres://postgres@127.0.0.1:5432/postgres',
    '-c', 'DROP DATABASE IF EXISTS waypost_e2e_django WITH (FORCE)', '-c', 'CREATE DATABASE waypost_e2e_django']);
  psql(['-d', djangoDb, '-f', path.join(root, 'tests', 'fixtures', 'django-blog-sample.sql')]);
  return execFileSync(path.join(targetDir, 'release', 'waypost'), ['import-django', '--from', djangoDb], {
    cwd: root,
    env: { ...process.env, ENVIRONMENT_DEVELOPMENT: 'true', DATABASE_URL: waypostDb, LOG_LEVEL: 'warn' },
  }).toString();
}

test('after the import, a traveller logs in with their old password and finds the stories and threads', async ({ page }) => {
  const summary = importSample();
  // A second run (a retry of this test) finds everything already there.
  expect(summary).toMatch(/Import finished/);
  const watch = watchConsole(page);

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill('chloe@example.com');
  await page.getByLabel('Password', { exact: true }).fill('mocha-chloe-2024');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('navigation', { name: 'Account' })).toContainText('Chloé Martin');

  // A bookmark from the old blog still works: /post/1/ → the imported story.
  await page.goto('/post/1/');
  await expect(page).toHaveURL(/\/articles\/three-days-in-lisbon-on-a-shoestring$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Three Days in Lisbon on a Shoestring');
  // The four-level thread, in its order, with the inactive reply hidden.
  const discussion = page.locator('#comments, .discussion').first();
  await expect(discussion).toContainText('Is the 28 tram really worth');
  await expect(discussion).toContainText("Yes, but only early in the morning.");
  await expect(discussion).toContainText('Noted, thank you!');
  await expect(discussion).toContainText('Tip: tram 12 does the same loop');
  await expect(discussion).not.toContainText("Or just walk, it's faster");
  await expect(discussion).not.toContainText('cheap-flig');
  const text = await discussion.innerText();
  expect(text.indexOf('Is the 28 tram')).toBeLessThan(text.indexOf('Yes, but only early'));
  expect(text.indexOf('Noted, thank you!')).toBeLessThan(text.indexOf('Tip: tram 12'));
  await expectAccessible(page);

  // The hostile post is there, harmless.
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  await page.goto('/post/12/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Marrakech Souks After Dark');
  expect(dialogs).toBe(0);
  watch.check();
});
