// What readers and owners of the Django blog expected: stars on the index cards (with and
// without JavaScript), search that forgives half-typed and misspelt words with suggestions
// as you type, and the admin's account and rating pages.
const { test, expect } = require('@playwright/test');
const {
  newAccount, watchConsole, hydrated, expectAccessible, signUp, confirmSignUp, promoteToWriter, createSuperuser, logIn,
} = require('./helpers');

async function writerWithStory(browser, title) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const account = newAccount('cards');
  await signUp(page, account);
  promoteToWriter(account.username);
  await page.goto('/articles/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Story (Markdown)').fill('Azulejos on every wall, trams on every hill.\n');
  await page.getByRole('button', { name: 'Publish' }).click();
  // The story's own address, not the editor's.
  await expect(page).toHaveURL(/\/articles\/(?!new$)[^/]+$/);
  const slug = new URL(page.url()).pathname.split('/').pop();
  await context.close();
  return { username: account.username, slug };
}

async function rateFromCard(browser, { username, slug }, stars, javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const watcher = watchConsole(page);
  const account = newAccount(javaScriptEnabled ? 'starjs' : 'starnojs');
  if (javaScriptEnabled) {
    await signUp(page, account);
  } else {
    // Without JavaScript the sign-up form is a plain POST too.
    await page.goto('/signup');
    await page.getByLabel('Username').fill(account.username);
    await page.getByLabel('E-mail', { exact: true }).fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByLabel('Confirm password').fill(account.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await confirmSignUp(page, account);
  }
  await page.goto(`/?author=${username}`);
  const card = page.locator(`#story-${slug}`);
  // The star is the radio button's label.
  await card.locator(`label[for="rate-${slug}-${stars}"]`).click();
  await card.getByRole('button', { name: /^Rate:/ }).click();
  await expect(page).toHaveURL(new RegExp(`/\\?author=${username}#story-${slug}$`));
  await expect(page.locator(`#rate-${slug}-${stars}`)).toBeChecked();
  await expect(card.getByRole('button', { name: /^Change rating:/ })).toBeVisible();
  if (javaScriptEnabled) await expectAccessible(page);
  watcher.check();
  return { context, page };
}

test('a reader rates from an index card, with and without JavaScript', async ({ browser }) => {
  const story = await writerWithStory(browser, `Azulejo walk ${Date.now().toString(36)}`);
  const first = await rateFromCard(browser, story, 4, true);
  await expect(first.page.locator(`#story-${story.slug}`)).toContainText('4.0 ★ from 1 rating');
  await first.context.close();
  const second = await rateFromCard(browser, story, 2, false);
  await expect(second.page.locator(`#story-${story.slug}`)).toContainText('3.0 ★ from 2 ratings');
  await second.context.close();
});

test('search forgives half-typed and misspelt words and suggests as you type', async ({ browser, page }) => {
  const id = Date.now().toString(36);
  const title = `Slow mornings in Porto ${id}`;
  await writerWithStory(browser, title);
  const watcher = watchConsole(page);
  await page.goto('/');
  await page.waitForLoadState('load');
  const field = page.getByRole('combobox', { name: 'Search stories' });
  // Suggestions come once public/suggest.js has run; type slowly enough to see them.
  await expect(async () => {
    await field.fill('');
    await field.pressSequentially('Port', { delay: 40 });
    await expect(page.locator('#hero-search-suggestions option').first()).toBeAttached({ timeout: 1_500 });
  }).toPass({ timeout: 15_000 });
  const offered = await page.locator('#hero-search-suggestions option').evaluateAll((options) => options.map((o) => o.value));
  expect(offered).toContain(title);
  await field.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=Port$/);
  await expect(page.getByRole('link', { name: title })).toBeVisible();

  await page.goto(`/search?q=Prto+${id}`);
  await expect(page.getByText('Nothing matched “Prto')).toBeVisible();
  await expect(page.getByRole('link', { name: title })).toBeVisible();
  await expectAccessible(page);

  const old = await page.goto('/?s=port');
  expect(old.request().redirectedFrom()?.url()).toMatch(/\/\?s=port$/);
  await expect(page).toHaveURL(/\/search\?q=port$/);
  watcher.check();
});

test('staff edit an account and remove a rating in the admin', async ({ browser }) => {
  const story = await writerWithStory(browser, `Rated then removed ${Date.now().toString(36)}`);
  const rated = await rateFromCard(browser, story, 5, true);
  await rated.context.close();
  const taken = newAccount('taken');
  const takenContext = await browser.newContext();
  await signUp(await takenContext.newPage(), taken);
  await takenContext.close();

  const staffAccount = newAccount('staff');
  createSuperuser(staffAccount);
  const context = await browser.newContext();
  const staff = await context.newPage();
  const watcher = watchConsole(staff);
  await logIn(staff, staffAccount);

  await staff.goto(`/admin/users?q=${story.username}`);
  await staff.getByRole('link', { name: `Edit (${story.username})` }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'Edit account' })).toBeVisible();
  await expectAccessible(staff);
  await staff.getByLabel('E-mail address').fill(taken.email.toUpperCase());
  await staff.getByRole('button', { name: 'Save account' }).click();
  await expect(staff.getByRole('alert')).toHaveText('Nothing was saved: please correct the fields below.');
  await expect(staff.getByText('An account with this e-mail already exists.')).toBeVisible();
  await expect(staff.getByLabel('E-mail address')).toHaveValue(taken.email.toUpperCase());
  await staff.getByLabel('Display name').fill('Renamed Writer');
  await staff.getByLabel('E-mail address').fill(`renamed.${Date.now().toString(36)}@example.com`);
  await staff.getByRole('button', { name: 'Save account' }).click();
  await expect(staff.getByRole('status')).toContainText('Account saved.');

  await staff.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Ratings' }).click();
  await staff.getByLabel('Search ratings').fill(story.slug.split('-').slice(0, 3).join(' '));
  await staff.getByLabel('Search ratings').press('Enter');
  await expectAccessible(staff);
  await staff.getByRole('button', { name: /^Delete \(.*'s rating of Rated then removed/ }).first().click();
  await expect(staff.getByRole('status')).toHaveText("Rating removed; the story's average no longer counts it.");
  await staff.goto(`/articles/${story.slug}`);
  await expect(staff.getByRole('region', { name: 'Rate this story' }).getByRole('status')).toHaveText('No ratings yet');
  watcher.check();
  await context.close();
});
