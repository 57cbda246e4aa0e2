// The console shows hostile device strings without being bent by them
// (hardening finding 3, console half): a 900-character hostname and USB
// strings carrying U+202E (right-to-left override). Checks, in headless
// Chromium, that the devices list and the device page stay within the
// viewport and that no bidi control reaches the DOM's text or attributes,
// and that the UI's own text helper neutralises one it is handed directly.
//
// node hostile_strings.mjs --url https://127.0.0.1:PORT --user admin --password P --device ID --expect TEXT
import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const base = args.url.replace(/\/$/, '');
const log = (msg) => console.log(`ok - ${msg}`);
function check(cond, what) { if (!cond) throw new Error(`check failed: ${what}`); }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await (await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } })).newPage();
page.setDefaultTimeout(20000);

async function measure(what) {
  const m = await page.evaluate(() => {
    const bidi = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
    let inAttr = false;
    for (const el of document.querySelectorAll('*'))
      for (const a of el.attributes) if (bidi.test(a.value)) inAttr = true;
    for (const el of document.querySelectorAll('input, textarea')) if (bidi.test(el.value)) inAttr = true;
    return { scroll: document.documentElement.scrollWidth, viewport: window.innerWidth,
             height: document.documentElement.scrollHeight, inText: bidi.test(document.body.innerText), inAttr,
             text: document.body.innerText };
  });
  console.log(`figure: ${what}: page width ${m.scroll} px in a ${m.viewport} px viewport, height ${m.height} px`);
  check(m.scroll <= m.viewport, `${what}: page is ${m.scroll} px wide, viewport ${m.viewport} px`);
  check(!m.inText, `${what}: a bidi control is in the page text`);
  check(!m.inAttr, `${what}: a bidi control is in an attribute or field`);
  check(m.text.includes(args.expect), `${what}: the hostile string is shown at all ("${args.expect}")`);
  log(what);
}

let code = 0;
try {
  await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
  await page.fill('#username', args.user);
  await page.fill('#password', args.password);
  await page.click('#login-submit');
  await page.waitForSelector('#verdict-tiles');
  await page.goto(base + '/#/devices');
  await page.waitForSelector('table.data tbody tr td a');
  await measure('devices list');
  await page.goto(base + `/#/device/${encodeURIComponent(args.device)}`);
  await page.waitForSelector('h1');
  await page.waitForLoadState('networkidle');
  await measure('device page');
  // The UI's helper on its own (a string that did not pass the server).
  const fromHelper = await page.evaluate(async () => {
    const dom = await import('/static/dom.js');
    return dom.h('span', { title: 'a\u202Eb' }, 'c\u2066d\u202Ee').outerHTML;
  });
  check(!/[\u202E\u2066]/.test(fromHelper) && fromHelper.includes('\uFFFD'), `helper output ${fromHelper}`);
  log('dom.js neutralises bidi controls in text and attributes');
} catch (e) {
  console.log(`not ok - ${e.message}`);
  code = 1;
}
await browser.close();
process.exit(code);
