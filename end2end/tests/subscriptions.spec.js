const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp, promoteToWriter, latestEmail, linkIn } = require('./helpers');

test('a reader without an account subscribes to a writer, confirms, gets the next story and unsubscribes in one click', async ({ browser }) => {
  const writerAccount = newAccount('subwriter');
  const writerContext = await browser.newContext();
  const writerPage = await writerContext.newPage();
  await signUp(writerPage, writerAccount);
  promoteToWriter(writerAccount.username);

  // The form is plain HTML: it works with JavaScript off.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const noScriptPage = await noScript.newPage();
  await noScriptPage.goto(`/authors/${writerAccount.username}`);
  await noScriptPage.getByLabel('Your e-mail address').fill(`noscript-${Date.now().toString(36)}@example.com`);
  await noScriptPage.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await expect(noScriptPage).toHaveURL(/\/subscriptions\/check-email$/);
  await noScript.close();

  // Someone with no account, on the writer's page.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  const address = `reader-${Date.now().toString(36)}@example.com`;
  await reader.goto(`/authors/${writerAccount.username}`);
  const box = reader.getByRole('region', { name: `Get @${writerAccount.username}'s new stories by e-mail` });
  await expect(box).toBeVisible();
  await expectAccessible(reader);
  await box.getByLabel('Your e-mail address').fill(address);
  await box.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await expect(reader).toHaveURL(/\/subscriptions\/check-email$/);
  await expect(reader.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expectAccessible(reader);

  const confirmation = await latestEmail(address, 'Confirm your Waypost subscription');
  await reader.goto(linkIn(confirmation, '/email/confirm/'));
  await expect(reader).toHaveURL(/\/subscriptions\/confirmed$/);
  await expect(reader.getByRole('heading', { name: "You're subscribed" })).toBeVisible();

  // The writer publishes; the story arrives.
  const watcher = watchConsole(writerPage);
  await writerPage.goto('/articles/new');
  await hydrated(writerPage);
  const title = `Night train to Porto ${Date.now().toString(36)}`;
  await writerPage.getByLabel('Title', { exact: true }).fill(title);
  await writerPage.getByLabel('Summary').fill('Sleeping cars, river light and a slow breakfast.');
  await writerPage.getByLabel('Story (Markdown)').fill('We left Lisbon at night and woke up by the Douro.');
  await writerPage.getByRole('button', { name: 'Publish' }).click();
  await expect(writerPage).toHaveURL(/\/articles\/night-train-to-porto-/);
  const storyUrl = writerPage.url();
  watcher.check();

  const story = await latestEmail(address, title, 20_000);
  expect(story).toMatch(/List-Unsubscribe: <http[^>]+\/email\/unsubscribe\/[A-Za-z0-9]+>/);
  expect(story).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  await reader.goto(linkIn(story, '/articles/night-train-to-porto-'));
  await expect(reader).toHaveURL(storyUrl);
  await expect(reader.getByRole('heading', { level: 1 })).toHaveText(title);

  // One click in the e-mail unsubscribes; the page offers to undo.
  await reader.goto(linkIn(story, '/email/unsubscribe/'));
  await expect(reader).toHaveURL(/\/subscriptions\/unsubscribed\?t=/);
  await expect(reader.getByRole('heading', { name: "You're unsubscribed" })).toBeVisible();
  await expect(reader.getByRole('button', { name: 'Undo: keep my subscriptions' })).toBeVisible();
  await expectAccessible(reader);
  await readerContext.close();
  await writerContext.close();
});

test('a signed-in reader subscribes in one click and manages it on the account page', async ({ page }) => {
  const writerAccount = newAccount('subwriter2');
  await signUp(page, writerAccount);
  promoteToWriter(writerAccount.username);
  await page.context().clearCookies();
  const readerAccount = newAccount('subreader');
  await signUp(page, readerAccount);
  await page.goto(`/authors/${writerAccount.username}`);
  await page.getByRole('button', { name: 'Subscribe by e-mail' }).click();
  await expect(page).toHaveURL(/\/account\?subscribed=1#subscriptions$/);
  const section = page.getByRole('region', { name: 'E-mail subscriptions' });
  await expect(section.getByRole('link', { name: new RegExp(`@${writerAccount.username}`) })).toBeVisible();
  await expectAccessible(page);
  await section.getByLabel('A weekly digest').check();
  await section.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/account\?subscriptions=saved#subscriptions$/);
  await expect(page.getByRole('region', { name: 'E-mail subscriptions' }).getByLabel('A weekly digest')).toBeChecked();
  await page.goto(`/authors/${writerAccount.username}`);
  await expect(page.getByText("You're subscribed.")).toBeVisible();
  await page.goto('/account');
  await page.getByRole('button', { name: new RegExp(`Unsubscribe from .*@${writerAccount.username}`) }).click();
  await expect(page.getByRole('region', { name: 'E-mail subscriptions' })).toContainText('You get no stories by e-mail');
});
