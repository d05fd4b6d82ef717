const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp, promoteToWriter } = require('./helpers');

test('a writer publishes with a live preview; a traveller finds, reads and shares it', async ({ browser }) => {
  const writerAccount = newAccount('writer');
  const writerContext = await browser.newContext();
  const writerPage = await writerContext.newPage();
  const watcher = watchConsole(writerPage);
  await signUp(writerPage, writerAccount);
  promoteToWriter(writerAccount.username);

  await writerPage.goto('/');
  await writerPage.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Write', exact: true }).click();
  await expect(writerPage).toHaveURL(/\/articles\/new$/);
  await hydrated(writerPage);
  const unique = `Quinoa${Date.now().toString(36)}`;
  await writerPage.getByLabel('Title', { exact: true }).fill(`Sunrise over Lake Titicaca ${unique}`);
  await writerPage.getByLabel('Summary').fill('Reed islands, cold mornings and the best bread in Puno.');
  await writerPage.getByLabel('Story (Markdown)').fill(`## The reed islands\n\nWe ate **${unique}** soup at dawn.\n\n| Day | Place |\n|---|---|\n| 1 | Puno |\n`);
  // Upload an image: it is inserted at the cursor (the end) and shows in the preview.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGPgzvMHIgYIBQAU3gMhyntjnAAAAABJRU5ErkJggg==',
    'base64');
  await writerPage.getByLabel('Insert an image at the cursor').setInputFiles({ name: 'lake.png', mimeType: 'image/png', buffer: png });
  await expect(writerPage.getByLabel('Story (Markdown)')).toHaveValue(/!\[Describe the image\]\(\/media\/.+-960\.jpg\)/);
  const preview = writerPage.getByRole('region', { name: 'Preview' });
  await expect(preview.locator('img[srcset*="480w"]')).toBeVisible();
  await expect(preview.getByRole('heading', { name: 'The reed islands' })).toBeVisible();
  await expect(preview.locator('strong')).toHaveText(unique);
  await expect(preview.locator('table')).toBeVisible();
  await writerPage.getByLabel('Tags').fill('Peru, lakes');
  await writerPage.getByLabel('Upload a cover image').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png });
  await expect(writerPage.getByLabel('Cover image address')).toHaveValue(/^\/media\/.+-960\.jpg$/);
  await writerPage.getByLabel('Cover image description').fill('Reed boats on a calm lake at sunrise');
  await expectAccessible(writerPage);
  await writerPage.getByRole('button', { name: 'Publish' }).click();
  await expect(writerPage).toHaveURL(/\/articles\/sunrise-over-lake-titicaca-/);
  await expect(writerPage.getByRole('heading', { level: 1 })).toHaveText(`Sunrise over Lake Titicaca ${unique}`);
  const articleUrl = writerPage.url();
  watcher.check();
  await writerContext.close();

  // A traveller in another browser finds it by search and opens it.
  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  const readerWatcher = watchConsole(reader);
  await signUp(reader, newAccount('reader'));
  await reader.goto('/');
  await reader.getByRole('combobox', { name: 'Search stories' }).fill(unique);
  await reader.getByRole('button', { name: 'Search' }).click();
  await expect(reader.getByText('1 story matches')).toBeVisible();
  await reader.getByRole('link', { name: `Sunrise over Lake Titicaca ${unique}` }).click();
  await expect(reader.getByRole('heading', { name: 'The reed islands' })).toBeVisible();
  await expect(reader.getByRole('img', { name: 'Reed boats on a calm lake at sunrise' })).toBeVisible();
  const image = reader.locator('.article__body img[srcset]');
  await expect(image).toBeVisible();
  expect(await image.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  const share = reader.getByRole('link', { name: 'Share on X' });
  const href = await share.getAttribute('href');
  expect(href).toContain('https://x.com/intent/tweet?text=');
  expect(new URL(href).searchParams.get('url')).toBe(articleUrl);
  await expect(share).toHaveAttribute('target', '_blank');
  await expectAccessible(reader);

  // Sort the index by author and filter by the tag.
  await reader.goto('/');
  await reader.getByLabel('Sort by').selectOption('author');
  await reader.getByRole('button', { name: 'Apply' }).click();
  await expect(reader).toHaveURL(/sort=author/);
  await reader.goto('/tags/lakes');
  await expect(reader.getByRole('link', { name: `Sunrise over Lake Titicaca ${unique}` })).toBeVisible();

  // The traveller cannot open the editor.
  const response = await reader.goto('/articles/new');
  expect(response.status()).toBe(403);
  await expect(reader.getByRole('heading', { name: "This page isn't open to you" })).toBeVisible();
  readerWatcher.check();
  await readerContext.close();
});

test('the index, writers and search pages are accessible', async ({ page }) => {
  for (const path of ['/', '/writers', '/search?q=lake']) {
    await page.goto(path);
    await hydrated(page);
    await expectAccessible(page);
  }
  const bad = await page.goto('/?page=abc');
  expect(bad.status()).toBe(400);
});
