const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, latestEmail, createSuperuser, logIn } = require('./helpers');

const control = process.env.WAYPOST_E2E_OAUTH_CONTROL;

/** Who the local provider signs in next, as Google or X. */
async function nextIdentity(provider, identity) {
  const res = await fetch(`${control}/identity/${provider}`, { method: 'POST', body: JSON.stringify(identity) });
  expect(res.status).toBe(204);
}

test('sign in with Google, get promoted by staff in the admin, then publish', async ({ browser }) => {
  const id = Date.now().toString(36);
  const email = `gina.${id}@example.com`;
  await nextIdentity('google', { sub: `g-${id}`, email, email_verified: true, name: 'Gina Traveller' });

  // A new reader signs up with (a local stand-in for) Google.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  const readerWatch = watchConsole(reader);
  await reader.goto('/login');
  await expectAccessible(reader);
  await reader.getByRole('link', { name: 'Continue with Google' }).click();
  await expect(reader).toHaveURL(/\/account\?welcome=1$/);
  const methods = reader.getByRole('region', { name: 'Sign-in methods' });
  await expect(methods).toContainText('Google: linked as Gina Traveller');
  await expect(methods.getByRole('button', { name: 'Link X' })).toBeVisible();
  await expectAccessible(reader);
  const account = reader.getByRole('navigation', { name: 'Account' });
  await expect(account.getByRole('link', { name: 'Write', exact: true })).toHaveCount(0);
  const username = email.split('@')[0];

  // Staff (made with `waypost createsuperuser`) promote her from the admin area.
  const staffAccount = newAccount('staff');
  createSuperuser(staffAccount);
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  const staffWatch = watchConsole(staff);
  await logIn(staff, staffAccount);
  await staff.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expectAccessible(staff);
  await staff.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Users' }).click();
  await staff.getByLabel('Search users').fill(username);
  await staff.getByLabel('Search users').press('Enter');
  await expect(staff.getByRole('cell', { name: email })).toBeVisible();
  await expectAccessible(staff);
  // By keyboard: focus the button and press Enter.
  const promote = staff.getByRole('button', { name: `Make writer (${username})` });
  await promote.focus();
  await staff.keyboard.press('Enter');
  await expect(staff.getByRole('status')).toHaveText('Promoted to writer. They have been e-mailed.');
  await expect(staff.getByRole('button', { name: `Remove writer (${username})` })).toBeVisible();
  await staff.getByRole('link', { name: 'Audit log' }).click();
  await expect(staff.getByRole('cell', { name: 'user.promote' }).first()).toBeVisible();
  await expectAccessible(staff);
  staffWatch.check();

  // The promotion e-mail went through the queue.
  const mail = await latestEmail(email, 'You can now publish on Waypost');
  expect(mail).toContain('/articles/new');

  // She now sees Write and publishes.
  await reader.goto('/');
  await account.getByRole('link', { name: 'Write', exact: true }).click();
  await expect(reader).toHaveURL(/\/articles\/new$/);
  await hydrated(reader);
  const title = `Tram 28 at dawn ${id}`;
  await reader.getByLabel('Title', { exact: true }).fill(title);
  await reader.getByLabel('Summary').fill('Lisbon before the crowds.');
  await reader.getByLabel('Story (Markdown)').fill('The yellow tram climbed **Graça** in the blue light.');
  await reader.getByRole('button', { name: 'Publish' }).click();
  await expect(reader).toHaveURL(/\/articles\/tram-28-at-dawn-/);
  await expect(reader.getByRole('heading', { level: 1 })).toHaveText(title);
  readerWatch.check();
  await readerContext.close();
  await staffContext.close();
});

test('sign up with X: X shares no e-mail, so the new user gives one', async ({ page }) => {
  const id = Date.now().toString(36);
  await nextIdentity('x', { id: `x-${id}`, username: `xan_${id}`.slice(0, 15), name: 'Xan' });
  const watch = watchConsole(page);
  await page.goto('/signup');
  await page.getByRole('link', { name: 'Continue with X' }).click();
  await expect(page).toHaveURL(/\/auth\/complete$/);
  await expect(page.getByText('You signed in with X as Xan.')).toBeVisible();
  await expectAccessible(page);
  // A plain form (no island): a mistake comes back from the server, next to its field.
  await page.getByLabel('E-mail', { exact: true }).fill('not-an-address');
  await page.getByLabel('E-mail', { exact: true }).evaluate((input) => { input.type = 'text'; });
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter a valid e-mail address')).toBeVisible();
  const account = newAccount('xan');
  await page.getByLabel('E-mail', { exact: true }).fill(account.email);
  await expect(page.getByLabel('Username')).toHaveValue(`xan_${id}`.slice(0, 15));
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account\?welcome=1$/);
  await expect(page.getByRole('region', { name: 'Sign-in methods' })).toContainText('X: linked as Xan');
  // Her address is confirmed by e-mail like any sign-up.
  await latestEmail(account.email, 'Confirm your e-mail address');
  watch.check();
});
