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
if (!existsSync(CHROMIUM)) {
  console.warn(
    `SKIPPED: the inspector browser tests need ${CHROMIUM} (apt-get install chromium)`,
  );
}

describe.skipIf(!existsSync(CHROMIUM))(
  'the savepoint inspector in chromium',
  () => {
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
  },
);
