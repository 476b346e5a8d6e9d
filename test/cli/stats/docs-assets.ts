// Regenerates docs/stats-summary.txt and docs/stats-report.png (the README's pictures of
// `tokenmill stats`) from a fresh run of the test fixture pipeline on ../shared data:
//   pnpm exec tsx test/cli/stats/docs-assets.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runSample, tokenmill } from './sample-run.ts';

const work = '/tmp/tokenmill-docs';
const run = join(work, 'runs', 'stats-sample');
runSample(join(work, 'input'), run);
const text = tokenmill(['stats', run]);
if (text.code !== 0) throw new Error(text.stderr);
mkdirSync(join(ROOT, 'docs'), { recursive: true });
writeFileSync(join(ROOT, 'docs', 'stats-summary.txt'), `$ pnpm stats ${run}\n${text.stdout}`);
const html = join(work, 'report.html');
if (tokenmill(['stats', run, '--html', html]).code !== 0) throw new Error('report failed');

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`file://${html}`);
  await page.waitForFunction(() => (window as unknown as { __report?: { done?: boolean } }).__report?.done === true);
  // Overview, funnel and charts: the top of the report.
  const bottom = await page.$eval('#charts', (e) => e.getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: join(ROOT, 'docs', 'stats-report.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: Math.ceil(bottom) + 8 } });
} finally {
  await browser.close();
}
console.log('wrote docs/stats-summary.txt and docs/stats-report.png');
