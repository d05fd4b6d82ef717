// The scale-out browser test of scripts/soak: Debian's chromium against nginx in front of two
// Waypost instances (the script starts them and sets SOAK_BASE_URL). Nothing is started here.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: './soak',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results-soak',
  use: {
    baseURL: process.env.SOAK_BASE_URL,
    // scripts/soak's nginx has a throwaway self-signed certificate.
    ignoreHTTPSErrors: true,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
});
