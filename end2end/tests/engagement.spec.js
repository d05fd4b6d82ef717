const { test, expect } = require('@playwright/test');
const { newAccount, watchConsole, hydrated, expectAccessible, signUp, promoteToWriter } = require('./helpers');

/** Marks the page so a later check can prove no full page load happened in between. */
async function markPage(page) {
  await page.evaluate(() => { window.__waypostNoReload = true; });
}
async function expectNoReload(page) {
  expect(await page.evaluate(() => window.__waypostNoReload === true)).toBe(true);
}

async function publishStory(browser, title) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const account = newAccount('author');
  await signUp(page, account);
  promoteToWriter(account.username);
  await page.goto('/articles/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Story (Markdown)').fill('## Night bus\n\nTwelve hours from Lima to Cusco, and worth it.\n');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/articles\/night-bus-/);
  const url = page.url();
  await context.close();
  return url;
}

async function reader(browser, prefix) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watcher = watchConsole(page);
  await signUp(page, newAccount(prefix));
  return { context, page, watcher };
}

test('two readers rate and hold a three-level conversation without page loads', async ({ browser }) => {
  const unique = Date.now().toString(36);
  const url = await publishStory(browser, `Night bus ${unique}`);

  // Ana rates with the mouse, then changes her mind with the keyboard.
  const ana = await reader(browser, 'ana');
  await ana.page.goto(url);
  await hydrated(ana.page);
  await markPage(ana.page);
  const rating = ana.page.getByRole('region', { name: 'Rate this story' });
  await expect(rating.getByRole('status')).toHaveText('No ratings yet');
  await rating.locator('label[for="rating-4"]').click();
  await expect(rating.getByRole('status')).toHaveText('4.0 out of 5 from 1 rating');
  await expect(rating.getByText('Saved: you gave it 4 of 5.')).toBeVisible();
  await expect(rating.getByRole('radio', { name: '4 stars' })).toBeChecked();
  await rating.getByRole('radio', { name: '4 stars' }).focus();
  await ana.page.keyboard.press('ArrowRight');
  await expect(rating.getByRole('radio', { name: '5 stars' })).toBeChecked();
  await expect(rating.getByRole('status')).toHaveText('5.0 out of 5 from 1 rating');
  await expect(rating.getByText('Saved: you gave it 5 of 5.')).toBeVisible();

  // Ana starts the conversation.
  const comments = ana.page.getByRole('region', { name: /comment/ });
  await ana.page.getByLabel('Add a comment').fill(`Which seat did you take, ${unique}?`);
  await ana.page.getByRole('button', { name: 'Post comment' }).click();
  const first = ana.page.getByRole('article', { name: /^Comment by ana_/ });
  await expect(first).toContainText(`Which seat did you take, ${unique}?`);
  await expect(comments.getByRole('heading', { name: '1 comment' })).toBeVisible();
  await expect(ana.page.getByLabel('Add a comment')).toHaveValue('');
  await expectNoReload(ana.page);

  // Bob, in another browser, rates and replies to Ana.
  const bob = await reader(browser, 'bob');
  await bob.page.goto(url);
  await hydrated(bob.page);
  await markPage(bob.page);
  const bobRating = bob.page.getByRole('region', { name: 'Rate this story' });
  await expect(bobRating.getByRole('status')).toHaveText('5.0 out of 5 from 1 rating');
  await bobRating.locator('label[for="rating-2"]').click();
  await expect(bobRating.getByRole('status')).toHaveText('3.5 out of 5 from 2 ratings');
  const anaOnBobsPage = bob.page.getByRole('article', { name: /^Comment by ana_/ });
  await expect(anaOnBobsPage).toContainText(`Which seat did you take, ${unique}?`);
  await anaOnBobsPage.getByRole('button', { name: 'Reply' }).click();
  await expect(bob.page.getByLabel(/^Reply to ana_/)).toBeFocused();
  await bob.page.getByLabel(/^Reply to ana_/).fill('Top deck, front row: the **view** is unreal.');
  await bob.page.getByRole('button', { name: 'Post reply' }).click();
  const bobsReply = bob.page.getByRole('article', { name: /^Comment by bob_/ });
  await expect(bobsReply.locator('strong')).toHaveText('view');
  await expect(bobsReply).toBeFocused();
  // The reply sits right under Ana's comment, one level in, saying whom it answers.
  const replyItem = bob.page.locator('.thread > li.depth-1');
  await expect(replyItem).toContainText('Top deck, front row');
  await expect(replyItem.locator('.comment__context')).toContainText('in reply to ana_');
  await expectNoReload(bob.page);
  await expectAccessible(bob.page);

  // Ana sees Bob's reply after a reload and answers it: the third level.
  await ana.page.reload();
  await hydrated(ana.page);
  await markPage(ana.page);
  const bobOnAnasPage = ana.page.getByRole('article', { name: /^Comment by bob_/ });
  await expect(bobOnAnasPage).toContainText('Top deck, front row');
  await bobOnAnasPage.getByRole('button', { name: 'Reply' }).click();
  await ana.page.getByLabel(/^Reply to bob_/).fill('Noted for the way back!');
  await ana.page.getByRole('button', { name: 'Post reply' }).click();
  const third = ana.page.locator('.thread > li.depth-2 article').filter({ hasText: 'Noted for the way back!' });
  await expect(third).toBeVisible();
  await expect(ana.page.getByRole('heading', { name: '3 comments' })).toBeVisible();

  // Ana edits her first comment in place.
  const anaFirst = ana.page.getByRole('article', { name: /^Comment by ana_/ }).filter({ hasText: 'Which seat' });
  await anaFirst.getByRole('button', { name: 'Edit' }).first().click();
  const editBox = ana.page.getByLabel('Edit your comment');
  await expect(editBox).toHaveValue(`Which seat did you take, ${unique}?`);
  await editBox.fill(`Which seat did you take on the night bus, ${unique}?`);
  await ana.page.getByRole('button', { name: 'Save changes' }).click();
  await expect(anaFirst.first()).toContainText('on the night bus');
  await expect(anaFirst.first().getByText('(edited)')).toBeVisible();
  await expectNoReload(ana.page);
  await expectAccessible(ana.page);
  ana.watcher.check();

  // Bob deletes his reply: it has an answer, so it stays as a placeholder.
  await bob.page.reload();
  await hydrated(bob.page);
  await markPage(bob.page);
  const bobsOwn = bob.page.getByRole('article', { name: /^Comment by bob_/ });
  await bobsOwn.getByRole('button', { name: 'Delete' }).click();
  await bob.page.getByRole('button', { name: 'Delete comment' }).click();
  await expect(bob.page.getByText('This comment was deleted.')).toBeVisible();
  await expect(bob.page.getByText('Noted for the way back!')).toBeVisible();
  await expect(bob.page.getByRole('heading', { name: '2 comments' })).toBeVisible();
  await expectNoReload(bob.page);
  bob.watcher.check();

  // Ana's view after a reload agrees.
  await ana.page.reload();
  await expect(ana.page.getByText('This comment was deleted.')).toBeVisible();
  await expect(ana.page.getByText('on the night bus')).toBeVisible();
  await ana.context.close();
  await bob.context.close();
});

test('anonymous readers see the rating and are invited to log in', async ({ browser, page }) => {
  const url = await publishStory(browser, `Night bus quiet ${Date.now().toString(36)}`);
  await page.goto(url);
  const rating = page.getByRole('region', { name: 'Rate this story' });
  await expect(rating.getByRole('status')).toHaveText('No ratings yet');
  await expect(rating.getByRole('link', { name: 'Log in to rate this story' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Log in to join the conversation' })).toBeVisible();
  await expect(page.getByRole('radio')).toHaveCount(0);
  await expectAccessible(page);
});
