// The dashboard in a real browser (Debian's chromium through playwright-core): the cluster
// page shows the broker, a topic is created from its form, a test message sent from the topic
// page is found again by key on the messages page and opened. Outside CI the test is skipped,
// saying why, when chromium is not installed; in CI (.ci/run installs it) it must run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DashboardServer } from '@contrail/dashboard';
import { failOnUnhandledRejection, startCluster, type TestCluster } from '@contrail/testkit';

failOnUnhandledRejection();

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const skip = CHROMIUM === undefined && process.env.CI !== 'true' ? 'chromium is not installed (apt-get install chromium)' : false;

let c: TestCluster;
let dash: DashboardServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (skip !== false) return;
  assert.ok(CHROMIUM !== undefined, 'chromium must be installed in CI (.ci/run installs it)');
  c = await startCluster();
  dash = new DashboardServer({ namesrvAddr: c.namesrvAddr, port: 0 });
  await dash.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

after(async () => {
  await browser?.close();
  await dash?.shutdown();
  await c?.shutdown();
});

test('cluster, create topic, send, find by key, view the message', { skip }, async () => {
  const base = `http://127.0.0.1:${dash.port}`;
  await page.goto(`${base}/`);
  await page.locator('#brokers tbody tr').first().waitFor();
  assert.match(await page.locator('#brokers tbody').innerText(), /broker-a/);

  await page.click('nav a[data-tab=topics]');
  await page.fill('#new-topic', 'BROWSER_T');
  await page.fill('#new-topic-queues', '2');
  await page.click('#create-topic button[type=submit]');
  // The topic page opens; its queue table has the two queues.
  await page.waitForURL(/#\/topics\/BROWSER_T$/);
  await page.locator('#queues tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('#queues tbody tr').count(), 2);

  // The route reaches the NameServer with the broker's next registration: send until stored.
  await page.fill('#send-body', 'hello from the browser');
  await page.fill('#send-tags', 'TagB');
  await page.fill('#send-keys', 'browser-key');
  for (let i = 0; i < 100; i++) {
    await page.locator('#send-result').evaluate((e) => e.replaceChildren());
    await page.click('#send-message button[type=submit]');
    await page.locator('#send-result:not(:empty), #error:visible').first().waitFor();
    if (/SEND_OK/.test(await page.locator('#send-result').innerText())) break;
    await page.waitForTimeout(50);
  }
  assert.match(await page.locator('#send-result').innerText(), /SEND_OK/);

  await page.click('nav a[data-tab=messages]');
  await page.fill('#q-topic', 'BROWSER_T');
  await page.selectOption('#q-kind', 'key');
  await page.fill('#q-value', 'browser-key');
  await page.click('#query button[type=submit]');
  await page.locator('#found tbody tr').first().waitFor();
  assert.match(await page.locator('#found tbody').innerText(), /hello from the browser/);

  await page.locator('#found tbody a').first().click();
  await page.locator('#message-body').waitFor();
  assert.equal(await page.locator('#message-body').innerText(), 'hello from the browser');
  assert.match(await page.locator('#properties').innerText(), /TAGS\s+TagB/);

  // An error from the API is shown on the page, not swallowed.
  await page.goto(`${base}/#/topics/NO_SUCH_TOPIC`);
  await page.locator('#error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#error').innerText(), /TOPIC_NOT_EXIST/);
  assert.deepEqual(pageErrors, []);
});
