// Two web instances behind nginx, round robin, no sticky sessions: a reader signs in once and
// stays signed in, reads and comments, whichever instance answers each request.
const { test, expect } = require('@playwright/test');
const { hydrated, watchConsole } = require('../tests/helpers');

test('a signed-in reader keeps working while requests alternate between instances', async ({ page }) => {
  const watcher = watchConsole(page);
  const username = process.env.SOAK_USERNAME;
  const upstreams = [];
  page.on('response', (response) => {
    const upstream = response.headers()['x-waypost-upstream'];
    if (upstream && (response.request().resourceType() === 'document' || response.url().includes('/sfn/'))) {
      upstreams.push(upstream);
    }
  });

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(process.env.SOAK_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);

  const menu = page.getByRole('navigation', { name: 'Account' });
  for (let n = 1; n <= 6; n += 1) {
    await page.goto(`/?page=${n}`);
    await expect(menu.getByRole('link', { name: username })).toBeVisible();
  }

  // A story, and a comment on it (the hydrated island posts a server function).
  await page.goto('/');
  await page.locator('.story-card__title a').first().click();
  await hydrated(page);
  const comment = `Through nginx, ${Date.now().toString(36)}`;
  await page.getByLabel('Add a comment').fill(comment);
  await page.getByRole('button', { name: 'Post comment' }).click();
  await expect(page.getByText(comment)).toBeVisible();
  await page.reload();
  await expect(page.getByText(comment)).toBeVisible();
  await expect(menu.getByRole('link', { name: username })).toBeVisible();

  // Both instances answered this one session.
  expect(new Set(upstreams).size, `upstreams: ${upstreams.join(' ')}`).toBe(2);
  watcher.check();
});
