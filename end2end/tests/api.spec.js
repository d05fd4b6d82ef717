const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, expectAccessible, signUp, promoteToWriter } = require('./helpers');

// The JSON API and the web UI it shares data with: a writer makes an API token on the
// account page and publishes through the API; a reader favourites the story and follows the
// writer with the page's plain forms (by keyboard), then finds it on their Following page.
test('publish through the API with an account-page token; favourite, follow and the feed on the web', async ({ browser, baseURL }) => {
  const writerAccount = newAccount('apiw');
  const writerContext = await browser.newContext();
  const writer = await writerContext.newPage();
  const writerWatch = watchConsole(writer);
  await signUp(writer, writerAccount);
  promoteToWriter(writerAccount.username);

  // Make a token on the account page; it is shown once.
  await writer.goto('/account#api-tokens');
  const tokens = writer.getByRole('region', { name: 'API tokens' });
  await tokens.getByLabel('Token name').fill('travel notes sync');
  await tokens.getByLabel('Current password').fill(writerAccount.password);
  await tokens.getByRole('button', { name: 'Make a token' }).click();
  const token = (await tokens.locator('code.token-value').textContent()).trim();
  expect(token).toMatch(/^wpt_[0-9a-f]{64}$/);
  await expect(tokens.getByRole('button', { name: 'Revoke travel notes sync' })).toBeVisible();
  await expectAccessible(writer);
  await writer.screenshot({ path: 'test-results/api-tokens.png', fullPage: true });
  await writer.reload();
  await expect(tokens.locator('code.token-value')).toHaveCount(0);

  // Publish through the API.
  const title = `Night train to Hanoi ${Date.now().toString(36)}`;
  const created = await fetch(`${baseURL}/api/articles`, {
    method: 'POST',
    headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ article: { title, description: 'Sleeper berths and sunrise', body: '## The berth\n\nFour to a cabin.', tagList: ['vietnam'] } }),
  });
  expect(created.status).toBe(201);
  const { article } = await created.json();
  expect(article.author.username).toBe(writerAccount.username);

  // A reader favourites it and follows the writer, by keyboard, without JavaScript forms.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  const readerWatch = watchConsole(reader);
  await signUp(reader, newAccount('apir'));
  await reader.goto(`/articles/${article.slug}`);
  await expect(reader.getByRole('heading', { level: 2, name: 'The berth' })).toBeVisible();
  const heart = reader.getByRole('button', { name: /Favourite · 0 favourites/ });
  await heart.focus();
  await reader.keyboard.press('Enter');
  await expect(reader.getByRole('button', { name: /Favourited · 1 favourite/ })).toHaveAttribute('aria-pressed', 'true');
  await expectAccessible(reader);
  await reader.screenshot({ path: 'test-results/api-article-favourited.png' });

  await reader.goto(`/authors/${writerAccount.username}`);
  const follow = reader.getByRole('button', { name: 'Follow', exact: true });
  await follow.focus();
  await reader.keyboard.press('Enter');
  await expect(reader.getByRole('button', { name: 'Following' })).toHaveAttribute('aria-pressed', 'true');
  await expect(reader.getByText('1 follower')).toBeVisible();
  await expectAccessible(reader);

  await reader.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Following' }).click();
  await expect(reader).toHaveURL(/\/following$/);
  await expect(reader.getByRole('link', { name: title })).toBeVisible();
  await expectAccessible(reader);
  await reader.setViewportSize({ width: 360, height: 740 });
  await reader.screenshot({ path: 'test-results/api-following-360.png', fullPage: true });

  // The API sees the same favourite.
  const favourited = await (await fetch(`${baseURL}/api/articles?favorited=${encodeURIComponent(article.author.username)}`)).json();
  expect(favourited.articlesCount).toBe(0);
  const listed = await (await fetch(`${baseURL}/api/articles/${article.slug}`)).json();
  expect(listed.article.favoritesCount).toBe(1);

  writerWatch.check();
  readerWatch.check();
  await writerContext.close();
  await readerContext.close();
});

test('the API documentation renders the OpenAPI document', async ({ page }) => {
  const watch = watchConsole(page);
  await page.goto('/api/docs');
  await expect(page.getByRole('heading', { level: 1, name: 'Waypost API documentation' })).toBeVisible();
  // Swagger UI has loaded the document when its title (with the version) appears.
  await expect(page.getByRole('heading', { level: 2, name: /^Waypost API 1\.0\.0/ })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('/api/articles/{slug}/favorite').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/api-docs.png' });
  await expectAccessible(page);
  watch.check();
});
