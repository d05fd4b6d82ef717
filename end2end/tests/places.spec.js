const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp, promoteToWriter } = require('./helpers');

test('a writer places a story by type-ahead and a pin; a reader follows the maps to it, with and without JavaScript', async ({ page, browser }) => {
  const writer = newAccount('placer');
  await signUp(page, writer);
  promoteToWriter(writer.username);

  const watcher = watchConsole(page);
  await page.goto('/articles/new');
  await hydrated(page);
  const title = `Tram 28 at first light ${Date.now().toString(36)}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Summary').fill('Up and down the hills before the city wakes.');
  await page.getByLabel('Story (Markdown)').fill('The yellow tram climbs past the cathedral while the bakeries open.');

  // Type-ahead over the gazetteer: the famous Lisbon comes first.
  const places = page.getByRole('group', { name: 'Places' });
  await places.getByLabel('Find a town or city').fill('Lisb');
  await places.getByRole('button', { name: 'Lisbon, Portugal' }).click();
  await expect(places.getByRole('list', { name: 'Places of this story' })).toContainText('Lisbon, Portugal');

  // A pin of the writer's own, by keyboard.
  await places.getByText('Drop a pin of your own').click();
  await places.getByLabel('Pin name').fill('Miradouro da Graça');
  await places.getByLabel('Latitude').fill('38.7163');
  await places.getByLabel('Longitude').fill('-9.1316');
  await places.getByLabel('Longitude').press('Tab');
  await page.keyboard.press('Enter');
  await expect(places.getByRole('list', { name: 'Places of this story' })).toContainText('Miradouro da Graça');
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/articles\/tram-28-at-first-light-/);
  const storyUrl = page.url();
  watcher.check();

  // The reader: the story's map beside the byline, pins named and linked.
  const reader = await (await browser.newContext()).newPage();
  await reader.goto(storyUrl);
  const where = reader.getByRole('complementary', { name: 'Where it happens' });
  await expect(where.getByRole('group', { name: /where .* takes place/ })).toBeVisible();
  await expect(where.getByRole('link', { name: 'Miradouro da Graça, Portugal' })).toHaveCount(1);
  await expect(where.getByRole('link', { name: 'Miradouro da Graça', exact: true })).toBeVisible();
  await expectAccessible(reader);

  // The world map, Portugal on it, then Lisbon on Portugal's map, then the story.
  await reader.goto('/places');
  await expect(reader.getByRole('heading', { level: 1, name: 'Places' })).toBeVisible();
  await expectAccessible(reader);
  // A country's shape is a link; it is small at world scale, so take it by keyboard.
  await reader.getByRole('group', { name: /World map/ }).getByRole('link', { name: /^Portugal: \d+ place/ }).press('Enter');
  await expect(reader).toHaveURL(/\/places\/portugal$/);
  await expectAccessible(reader);
  await reader.getByRole('group', { name: /Map of Portugal/ }).getByRole('link', { name: /^Lisbon, Portugal: \d+ stor/ }).click();
  await expect(reader).toHaveURL(/\/places\/portugal\/lisbon$/);
  await expect(reader.getByRole('heading', { level: 1, name: 'Lisbon' })).toBeVisible();
  await expectAccessible(reader);
  await reader.getByRole('link', { name: title }).first().click();
  await expect(reader).toHaveURL(storyUrl);

  // Without JavaScript: the same maps, the same links.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(storyUrl);
  await plain.getByRole('complementary', { name: 'Where it happens' }).getByRole('group').getByRole('link', { name: 'Lisbon, Portugal' }).click();
  await expect(plain).toHaveURL(/\/places\/portugal\/lisbon$/);
  await plain.getByRole('link', { name: 'Places', exact: true }).first().click();
  await plain.getByRole('group', { name: /World map/ }).getByRole('link', { name: /^Portugal: / }).press('Enter');
  await expect(plain).toHaveURL(/\/places\/portugal$/);
  await noScript.close();
});

// Screenshots of every map page, light and dark, wide and 360 px: looked at by people, kept
// with the test results.
for (const scheme of ['light', 'dark']) {
  test(`map pages in ${scheme} mode, desktop and 360 px`, async ({ browser }) => {
    for (const [width, height] of [[1280, 900], [360, 780]]) {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height } });
      const page = await context.newPage();
      for (const [name, path] of [['world', '/places'], ['country', '/places/portugal'], ['place', '/places/portugal/lisbon']]) {
        const response = await page.goto(path);
        expect(response.status()).toBe(200);
        const map = page.locator('.map__svg').first();
        await expect(map).toBeVisible();
        const box = await map.boundingBox();
        expect(box.width).toBeLessThanOrEqual(width);
        expect(box.height).toBeGreaterThan(100);
        // Nothing runs off the side at 360 px.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `test-results/places-${name}-${scheme}-${width}.png`, fullPage: width < 400 });
      }
      await context.close();
    }
  });
}
