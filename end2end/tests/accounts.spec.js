const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp } = require('./helpers');

test('a new traveller signs up, logs out, logs in and edits their profile', async ({ page }) => {
  const watcher = watchConsole(page);
  const account = newAccount();

  await signUp(page, account);
  const menu = page.getByRole('navigation', { name: 'Account' });
  await expect(menu.getByRole('link', { name: account.username })).toBeVisible();

  // Log out from the header (a plain form: the header loads no wasm).
  await menu.getByRole('button', { name: 'Log out' }).click();
  await expect(menu.getByRole('link', { name: 'Log in' })).toBeVisible();

  // Log back in.
  await menu.getByRole('link', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login/);
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(menu.getByRole('link', { name: 'Settings' })).toBeVisible();

  // Edit the profile.
  await menu.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await page.getByLabel('Display name').fill('Ana Lima');
  await page.getByLabel('Bio').fill('Slow travel across the Andes, one bus at a time.');
  await page.getByLabel('X handle').fill('@ana_travels');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await expect(menu.getByRole('link', { name: 'Ana Lima' })).toBeVisible();

  // See it on the public profile page.
  await menu.getByRole('link', { name: 'Ana Lima' }).click();
  await expect(page).toHaveURL(new RegExp(`/authors/${account.username}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Ana Lima' })).toBeVisible();
  await expect(page.getByText('Slow travel across the Andes')).toBeVisible();
  await expect(page.getByRole('link', { name: '@ana_travels on X' })).toHaveAttribute('href', 'https://x.com/ana_travels');
  watcher.check();
});

test('mistakes get clear messages next to the field and keep what was typed', async ({ page }) => {
  const watcher = watchConsole(page);
  const taken = newAccount('taken');
  await signUp(page, taken);
  await page.context().clearCookies();

  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Username').fill(`${taken.username}x`.slice(0, 30));
  await page.getByLabel('E-mail', { exact: true }).fill(taken.email.toUpperCase());
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Use at least 10 characters')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('E-mail', { exact: true })).toHaveValue(taken.email.toUpperCase());

  await page.getByLabel('Password', { exact: true }).fill(taken.password);
  await page.getByLabel('Confirm password').fill(taken.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  // A taken address gets the answer a new one gets (its owner is told by e-mail instead).
  await expect(page).toHaveURL(/\/signup\/check-email$/);
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expectAccessible(page);

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill(taken.email);
  await page.getByLabel('Password').fill('definitely-wrong-pass');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText("don't match an active account")).toBeVisible();
  await expect(page.getByLabel('E-mail or username')).toHaveValue(taken.email);
  watcher.check();
});

test('the login form works without JavaScript', async ({ browser }) => {
  const account = newAccount('nojs');
  const setupContext = await browser.newContext();
  await signUp(await setupContext.newPage(), account);
  await setupContext.close();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('E-mail or username').fill(account.username);
  await page.getByLabel('Password').fill('wrong-password-here');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText("don't match an active account")).toBeVisible();

  await page.getByLabel('E-mail or username').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Settings' })).toBeVisible();
  await context.close();
});

test('pages are accessible, keyboard friendly and 404s are styled', async ({ page }) => {
  const watcher = watchConsole(page);
  for (const path of ['/', '/login', '/signup']) {
    await page.goto(path);
    await hydrated(page);
    await expectAccessible(page);
  }
  // Keyboard: the first Tab reaches the skip link.
  await page.goto('/');
  await hydrated(page);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();

  const response = await page.goto('/no/such/place');
  expect(response.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'This page wandered off' })).toBeVisible();
  await expectAccessible(page);
  watcher.check();
});

test('signed-in pages are accessible', async ({ page }) => {
  const account = newAccount('a11y');
  await signUp(page, account);
  await expectAccessible(page);
  await page.goto(`/authors/${account.username}`);
  await hydrated(page);
  await expectAccessible(page);
});
