const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, latestEmail, linkIn } = require('./helpers');

test('a new user confirms their address from the e-mail, then resets a forgotten password', async ({ page }) => {
  const watcher = watchConsole(page);
  const account = newAccount('mail');
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Username').fill(account.username);
  await page.getByLabel('E-mail', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByLabel('Confirm password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signup\/check-email$/);
  await expectAccessible(page);

  // The confirmation e-mail went through the queue to the file backend; opened in this
  // browser, it confirms the address and signs the new account in.
  const welcome = await latestEmail(account.email, 'Confirm your e-mail address');
  const confirmLink = linkIn(welcome, '/verify-email?token=');
  await page.goto(confirmLink);
  await hydrated(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page).toHaveURL(/\/account\?joined=1$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByRole('note')).toHaveCount(0);

  // A used link says so.
  await page.goto(confirmLink);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByRole('alert')).toContainText('expired or was already used');

  // Forgot the password: log out, ask for a link, set a new one, log in with it.
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/password-reset$/);
  await hydrated(page);
  await expectAccessible(page);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText('If an account uses that address');
  const reset = await latestEmail(account.email, 'Reset your Waypost password');
  await page.goto(linkIn(reset, '/password-reset/confirm?token='));
  await hydrated(page);
  await expectAccessible(page);
  const newPassword = 'harbour-compass-lantern-42';
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Confirm new password').fill('short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText(/at least 10 characters/i).first()).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByRole('status')).toContainText('Your password is changed');
  await hydrated(page);
  await page.getByLabel('E-mail or username').fill(account.username);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);
  watcher.check();
});
