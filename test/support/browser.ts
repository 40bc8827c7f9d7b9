// A real browser for tests: Debian's `chromium` driven by `playwright-core`, headless and kept off
// the network (every host name except loopback resolves to nothing; no background traffic).
// Install it with `hack/ensure-test-tools.sh`. Suites call `browserUnavailable()` first and skip
// with its message when chromium is missing.
//
//   const reason = browserUnavailable();
//   describe.skipIf(reason)('…', () => { let browser = await launchBrowser(); … });
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. Override with `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep the headless browser on loopback and quiet. */
export const OFFLINE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--metrics-recording-only',
  '--no-default-browser-check',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

/** Undefined when chromium can be launched; otherwise why not (for `describe.skipIf`). */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `chromium not found at ${CHROMIUM_PATH}: run hack/ensure-test-tools.sh (Debian package "chromium") or set CHROMIUM_PATH; browser tests skipped`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: OFFLINE_ARGS, headless: true });
}

/** Saves a full-page screenshot as `<dir>/<name>.png` and returns the path (dir created if needed). */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
