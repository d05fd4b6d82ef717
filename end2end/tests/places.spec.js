const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp, promoteToWriter } = require('./helpers');

// Runs in the page: a JPEG drawn on a canvas, with an EXIF block saying it was taken on
// Lisbon's Praça do Comércio (38°42'27"N 9°08'11"W). Returns its bytes.
async function jpegWithGps() {
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 240;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#d9a441'; ctx.fillRect(0, 0, 320, 240);
  ctx.fillStyle = '#2b5d8a'; ctx.fillRect(0, 160, 320, 80);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  const jpeg = new Uint8Array(await blob.arrayBuffer());
  // A big-endian TIFF: IFD0 points to the GPS IFD, which holds refs and degree/minute/second rationals.
  const tiff = new DataView(new ArrayBuffer(128));
  const entry = (at, tag, type, count, value) => {
    tiff.setUint16(at, tag); tiff.setUint16(at + 2, type); tiff.setUint32(at + 4, count); tiff.setUint32(at + 8, value);
  };
  tiff.setUint16(0, 0x4d4d); tiff.setUint16(2, 42); tiff.setUint32(4, 8);
  tiff.setUint16(8, 1); entry(10, 0x8825, 4, 1, 26); tiff.setUint32(22, 0);
  tiff.setUint16(26, 4);
  entry(28, 1, 2, 2, 0x4e000000); // "N"
  entry(40, 2, 5, 3, 80);
  entry(52, 3, 2, 2, 0x57000000); // "W"
  entry(64, 4, 5, 3, 104);
  tiff.setUint32(76, 0);
  [[38, 1], [42, 1], [27, 1], [9, 1], [8, 1], [11, 1]].forEach(([n, d], i) => {
    tiff.setUint32(80 + i * 8, n); tiff.setUint32(84 + i * 8, d);
  });
  const app1 = [0xff, 0xe1, 0, 136, 0x45, 0x78, 0x69, 0x66, 0, 0, ...new Uint8Array(tiff.buffer)];
  return [...jpeg.slice(0, 2), ...app1, ...jpeg.slice(2)];
}

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
  await places.getByText('Drop a pin of your own', { exact: true }).click();
  await places.getByLabel('Pin name').fill('Miradouro da Graça');
  await places.getByLabel('Latitude').fill('38.7163');
  await places.getByLabel('Longitude').fill('-9.1316');
  await places.getByLabel('Longitude').press('Tab');
  await page.keyboard.press('Enter');
  await expect(places.getByRole('list', { name: 'Places of this story' })).toContainText('Miradouro da Graça');
  await expectAccessible(page);

  // A photo taken in Lisbon: the editor offers the town; declined, nothing is added.
  const photo = await page.evaluate(jpegWithGps);
  await page.getByLabel('Insert an image at the cursor').setInputFiles({
    name: 'praca-do-comercio.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photo),
  });
  const offer = places.getByRole('status').filter({ hasText: 'Your photo was taken near Lisbon, Portugal' });
  await expect(offer).toBeVisible({ timeout: 15_000 });
  await expect(offer.getByRole('button', { name: 'Add Lisbon' })).toBeVisible();
  await offer.getByRole('button', { name: 'No, thanks' }).click();
  await expect(offer).toHaveCount(0);
  await expect(places.getByRole('list', { name: 'Places of this story' }).getByRole('listitem')).toHaveCount(2);

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
  // The writer's pin sits on top of Lisbon's: pins are links in the tab order, so take it by keyboard.
  await reader.getByRole('group', { name: /Map of Portugal/ }).getByRole('link', { name: /^Lisbon, Portugal: \d+ stor/ }).press('Enter');
  await expect(reader).toHaveURL(/\/places\/portugal\/lisbon$/);
  await expect(reader.getByRole('heading', { level: 1, name: 'Lisbon' })).toBeVisible();
  await expectAccessible(reader);
  await reader.getByRole('link', { name: title }).first().click();
  await expect(reader).toHaveURL(storyUrl);

  // Without JavaScript: the same maps, the same links.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(storyUrl);
  await plain.getByRole('complementary', { name: 'Where it happens' }).getByRole('group').getByRole('link', { name: 'Lisbon, Portugal' }).press('Enter');
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
