import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStorage, createStateStore } from '../../src/index.js';
import { createAdminServer, type AdminServer } from '../../src/http/index.js';
import { MINUTE, T0, ordersStorage } from './fixture.js';

/**
 * The savepoint inspector in a real browser: Debian's chromium, driven by
 * playwright-core. `RUNSTATE_SCREENSHOTS=1` also writes the screenshots of
 * docs/inspector.md.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../docs/inspector/', import.meta.url));
const shoot = process.env.RUNSTATE_SCREENSHOTS === '1';
/** CI (`.ci/run`) sets it: a missing chromium then fails, never skips. */
const required = process.env.RUNSTATE_REQUIRE_BROWSER === '1';
const skip = !existsSync(CHROMIUM) && !required;
if (skip) {
  console.warn(
    `SKIPPED: the inspector browser tests need ${CHROMIUM} (apt-get install chromium)`,
  );
}

describe('chromium for the inspector tests', () => {
  it.runIf(required)(`is installed at ${CHROMIUM} (CI)`, () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });
});

describe.skipIf(skip)('the savepoint inspector in chromium', () => {
  let browser: Browser;
  let server: AdminServer;
  let base: string;
  let page: Page;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const storage = await ordersStorage();
    const live = createStateStore({
      runId: 'live',
      schedule: MINUTE,
      storage: await MemoryStorage.open(),
    });
    const [fast] = await live.initRunState(0, [
      ['fast', 0],
      ['slow', 0],
    ]);
    fast!.ackProcessedTime(2 * MINUTE + 1);
    await live.flush();
    closers.push(() => live.close());
    server = createAdminServer({ storage, runs: [live] });
    base = await server.listen({ port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    if (shoot) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const close of closers) await close();
  });

  const snap = async (name: string): Promise<void> => {
    if (shoot) await page.screenshot({ path: `${SHOTS}${name}.png` });
  };

  it('lists the runs and the live runs with their stragglers', async () => {
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('pageerror', (e) => failed.push(e.message));
    await page.goto(base);
    await expect.poll(() => page.locator('#runs li').count()).toBe(1);
    expect(await page.locator('#runs li').innerText()).toContain('orders');
    const straggler = page
      .locator('.live-run[data-run="live"] .straggler')
      .first();
    await expect.poll(() => straggler.innerText()).toContain('slow');
    expect(failed).toEqual([]);
    await snap('runs');
  });

  it('navigates run → savepoint timeline → entities', async () => {
    await page.click('#runs a[data-run="orders"]');
    await expect.poll(() => page.locator('.timeline a').count()).toBe(3);
    await page.click(`.timeline a[data-ts="${T0 + 2 * MINUTE}"]`);
    await expect.poll(() => page.locator('#entities tr').count()).toBe(4);
    const text = await page.locator('#entities').innerText();
    expect(text).toContain('totals');
    expect(text).toContain('sku-9');
    expect(text).toContain('old');
    await snap('savepoint');
  });

  it('shows an entity’s state as a collapsible tree', async () => {
    await page.click('#entities a:text-is("totals")');
    const tree = page.locator('#state');
    await expect.poll(() => tree.innerText()).toContain('Map(1)');
    expect(await tree.innerText()).toContain('a: 3');
    await page.click('#state summary');
    await expect
      .poll(() => page.locator('#state details[open]').count())
      .toBe(0);
    await page.click('#state summary');
    await snap('entity');
  });

  it('diffs two savepoints and one entity between them', async () => {
    await page.click('a:text-is("← entities")');
    await page.selectOption('#diff-from', String(T0 + MINUTE));
    await page.selectOption('#diff-to', String(T0 + 3 * MINUTE));
    await page.click('#diff-go');
    const summary = page.locator('#diff-summary');
    await expect
      .poll(() => summary.innerText())
      .toBe('1 added, 1 removed, 1 changed, 0 unchanged');
    expect(await page.locator('#diff li.added').innerText()).toContain('sku-9');
    expect(await page.locator('#diff li.removed').innerText()).toContain('old');
    expect(await page.locator('#diff-from').inputValue()).toBe(
      String(T0 + MINUTE),
    );
    await snap('diff');
    await page.click('#diff li.changed a');
    const changes = page.locator('#changes tr.changed');
    await expect.poll(() => changes.count()).toBe(1);
    const text = await changes.innerText();
    expect(text).toContain('2');
    expect(text).toContain('3');
  });
});
