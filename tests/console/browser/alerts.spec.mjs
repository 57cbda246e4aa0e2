// Alerts, delivery channels and suppressions in headless Chromium (driven by
// alerts_browser_test.cpp, which starts the collector, agents and receivers):
//   node alerts.spec.mjs --url https://127.0.0.1:PORT --password-file FILE --kvm-device ID
//     --helpdesk-device ID --webhook-url URL --webhook-secret-file FILE --syslog-url tcp://…
//     --smtp-url smtp://… --dead-url http://… --out DIR
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[a.slice(2)] = true;
  else { args[a.slice(2)] = next; i++; }
}
for (const need of ['url', 'password-file', 'kvm-device', 'helpdesk-device', 'webhook-url', 'webhook-secret-file', 'syslog-url', 'smtp-url', 'dead-url', 'out'])
  if (!args[need]) { console.error(`missing --${need}`); process.exit(2); }
const base = args.url.replace(/\/$/, '');
const oneTime = readFileSync(args['password-file'], 'utf8').trim();
const newPassword = 'alerts-browser-test-' + Date.now();
mkdirSync(args.out, { recursive: true });

const problems = [];
let step = 'launch';
let shot = 0;
const log = (msg) => console.log(`ok - ${msg}`);
function check(cond, what) { if (!cond) throw new Error(`check failed: ${what}`); }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(20000);
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => {
  if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
});
async function screenshot(name) {
  shot++;
  const file = join(args.out, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${file}`);
}
const api = (path) => page.evaluate(async (p) => {
  const r = await fetch('/api/v1' + p, { credentials: 'same-origin' });
  return { status: r.status, body: await r.json() };
}, path);

try {
  step = 'log in and change the one-time password';
  await page.goto(base + '/');
  await page.fill('#username', 'admin');
  await page.fill('#password', oneTime);
  await page.click('#login-submit');
  await page.waitForSelector('#password-form');
  await page.fill('#pw-old', oneTime);
  await page.fill('#pw-new', newPassword);
  await page.fill('#pw-again', newPassword);
  await page.click('#password-submit');
  await page.waitForSelector('#verdict-tiles');

  step = 'the nav counts new alerts';
  await page.waitForFunction(() => Number(document.getElementById('nav-alert-count').textContent) > 0);
  const navCount = Number(await page.textContent('#nav-alert-count'));
  log(`nav shows ${navCount} new alerts`);

  step = 'alert feed';
  await page.click('#nav a[data-page="alerts"]');
  await page.waitForSelector('#alerts-table');
  check(page.url().includes('state=new'), `the feed's filter is in the URL: ${page.url()}`);
  const kvmRow = page.locator('#alerts-table tbody tr', { has: page.locator(`a[href="#/device/${encodeURIComponent(args['kvm-device'])}"]`) })
    .filter({ hasText: 'puppeteered' }).first();
  const kvmText = await kvmRow.textContent();
  check(/PiKVM/i.test(kvmText), `the PiKVM laptop's alert says why: "${kvmText}"`);
  check(/\b(UTC|GMT)|[A-Z]{2,5}\b/.test(kvmText), 'the raised time carries its zone');
  await screenshot('alerts-new');

  step = 'filter by date (in the URL, kept on reload)';
  const today = new Date().toISOString().slice(0, 10);
  await page.fill('#alerts-since', today);
  await page.click('form.inline-form button[type=submit]');
  await page.waitForFunction((d) => location.hash.includes('since=' + d), today);
  await page.reload();
  await page.waitForSelector('#alerts-table');
  check((await page.inputValue('#alerts-since')) === today, 'the date filter survives a reload');
  log('since filter in the URL');

  step = 'acknowledge, then resolve the PiKVM alert';
  const ackButton = kvmRow.locator('button[data-ack]');
  const alertId = await ackButton.getAttribute('data-ack');
  await ackButton.click();
  await page.waitForSelector(`button[data-ack="${alertId}"]`, { state: 'detached' });
  await page.click('button[data-state="acknowledged"]');
  await page.waitForFunction(() => location.hash.includes('state=acknowledged'));
  await page.waitForSelector(`button[data-resolve="${alertId}"]`);
  const ackRow = await page.locator('#alerts-table tbody tr', { has: page.locator(`button[data-resolve="${alertId}"]`) }).textContent();
  check(ackRow.includes('acknowledged') && ackRow.includes('by admin'), `acknowledged with who: "${ackRow}"`);
  await screenshot('alerts-acknowledged');
  await page.click(`button[data-resolve="${alertId}"]`);
  await page.waitForSelector(`button[data-resolve="${alertId}"]`, { state: 'detached' });
  await page.click('button[data-state="resolved"]');
  await page.waitForFunction(() => location.hash.includes('state=resolved'));
  await page.waitForSelector('#alerts-table');
  check((await page.textContent('#alerts-table')).includes('by admin'), 'resolved with who and when');
  const feed = await api(`/alerts?state=resolved`);
  check(feed.body.alerts.some((a) => String(a.id) === alertId && a.resolved_by === 'admin'), 'the API agrees the alert is resolved');
  await screenshot('alerts-resolved');

  step = 'add a webhook channel (secret shown once)';
  await page.goto(base + '/#/alert-channels');
  await page.waitForSelector('#channel-form');
  await page.selectOption('#ch-kind', 'webhook');
  await page.fill('#ch-name', 'SOC webhook');
  await page.fill('#ch-url', args['webhook-url']);
  await page.click('#ch-add');
  await page.waitForSelector('#channel-secret');
  const secret = await page.inputValue('#channel-secret');
  check(/^[0-9a-f]{64}$/.test(secret), 'a 256-bit signing secret is shown once');
  writeFileSync(args['webhook-secret-file'], secret);
  await screenshot('channel-secret');
  await page.click('text=I stored it');
  await page.waitForSelector('section[id^="channel-"]');
  check(!(await page.content()).includes(secret), 'the secret is not shown again');

  async function addAndTest(kind, name, url, extra = async () => {}) {
    step = `add the ${name} channel and send a test`;
    await page.selectOption('#ch-kind', kind);
    await page.fill('#ch-name', name);
    await page.fill('#ch-url', url);
    await extra();
    await page.click('#ch-add');
    if (kind === 'webhook') {
      // A webhook's signing secret is shown once before the list comes back.
      await page.waitForSelector('#channel-secret');
      await page.click('text=I stored it');
    }
    await page.waitForSelector(`section[id^="channel-"] h2:has-text("${name}")`);
  }
  async function sendTest(name, want) {
    const card = page.locator('section[id^="channel-"]', { has: page.locator(`h2:has-text("${name}")`) });
    await card.locator('button[data-test]').click();
    await card.locator('[data-test-result]').filter({ hasText: want }).waitFor();
    return card;
  }
  await sendTest('SOC webhook', 'Test delivered.');
  log('webhook test delivered (the receiver verified the HMAC)');
  await addAndTest('syslog', 'SIEM syslog', args['syslog-url']);
  await sendTest('SIEM syslog', 'Test delivered.');
  log('syslog test delivered');
  await addAndTest('smtp', 'SOC mail', args['smtp-url'], async () => {
    await page.fill('#ch-from', 'telltale@example.com');
    await page.fill('#ch-to', 'soc@example.com');
  });
  await sendTest('SOC mail', 'Test delivered.');
  log('mail test delivered');
  await addAndTest('webhook', 'Dead receiver', args['dead-url']);
  const dead = await sendTest('Dead receiver', 'Test failed:');
  await page.reload();
  await page.waitForSelector('section[id^="channel-"]');
  const deadCard = page.locator('section[id^="channel-"]', { has: page.locator('h2:has-text("Dead receiver")') });
  check((await deadCard.locator('.delivery-counts').textContent()).includes('failed 1'), 'the failed delivery is counted');
  check((await deadCard.locator('[data-last-error]').textContent()).includes(args['dead-url'].replace(/\/$/, '').replace('http://', '')),
    'the last error names the receiver');
  await screenshot('channels');

  step = 'suppress the approved AnyDesk on the helpdesk laptop';
  const hid = args['helpdesk-device'];
  const detail = await api(`/devices/${encodeURIComponent(hid)}`);
  const before = detail.body.verdicts[0];
  check(before && before.level !== 'clean', `the helpdesk laptop starts flagged (${before && before.level})`);
  const indicators = before.verdict.indicators.map((i) => i.id);
  await page.goto(base + `/#/device/${encodeURIComponent(hid)}`);
  await page.waitForSelector('#suppression-form');
  for (const id of indicators) {
    await page.fill('#sup-indicator', id);
    await page.fill('#sup-reason', 'approved AnyDesk for the helpdesk');
    await page.fill('#sup-until', '2027-03-01');
    await page.click('#sup-add');
    await page.waitForSelector(`#suppression-list li:has-text("${id}")`);
  }
  const listText = await page.textContent('#suppression-list');
  check(listText.includes('suppressed by admin until 2027-03-01: approved AnyDesk for the helpdesk'), `the device page says who, until when and why: "${listText}"`);
  // The collector re-evaluates at once when a suppression is added.
  step = 'the verdict leaves the suppressed indicators out';
  await page.waitForFunction(async (p) => {
    const r = await fetch('/api/v1/devices/' + p, { credentials: 'same-origin' });
    const d = await r.json();
    return d.verdicts && d.verdicts[0] && d.verdicts[0].level === 'clean';
  }, encodeURIComponent(hid), { timeout: 30000, polling: 500 });
  await page.reload();
  await page.waitForSelector('#suppression-list');
  check((await page.textContent('.page-head h1')).toLowerCase().includes('clean'), 'the device page shows clean while suppressed');
  await screenshot('device-suppressed');
  const audit = await api('/audit?limit=50');
  check(audit.body.entries ? audit.body.entries.some((e) => e.action === 'suppression.create')
    : JSON.stringify(audit.body).includes('suppression.create'), 'the suppression is audited');
  log(`helpdesk laptop ${before.level} → clean while ${indicators.length} indicator(s) are suppressed`);

  step = 'lift a suppression: the indicator counts again';
  await page.click('#suppression-list li.sup-active button:has-text("Lift")');
  await page.waitForSelector('#suppression-list li.sup-lifted');
  await page.waitForFunction(async (p) => {
    const r = await fetch('/api/v1/devices/' + p, { credentials: 'same-origin' });
    const d = await r.json();
    return d.verdicts && d.verdicts[0] && d.verdicts[0].level !== 'clean';
  }, encodeURIComponent(hid), { timeout: 30000, polling: 500 });
  await page.reload();
  await page.waitForSelector('#suppression-list li.sup-lifted');
  check((await page.textContent('#suppression-list')).includes('lifted by admin'), 'the lifted suppression says who lifted it');
  await screenshot('device-suppression-lifted');
  log('lifted: the verdict is flagged again');

  check(problems.length === 0, `no JavaScript errors or CSP violations:\n  ${problems.join('\n  ')}`);
  console.log(`PASS - ${shot} screenshots in ${args.out}`);
  await browser.close();
} catch (e) {
  console.error(`FAIL - ${step}: ${e.message}`);
  if (problems.length) console.error(`browser problems:\n  ${problems.join('\n  ')}`);
  try { await page.screenshot({ path: join(args.out, 'failure.png'), fullPage: true }); console.error(`see ${join(args.out, 'failure.png')}`); } catch {}
  await browser.close();
  process.exit(1);
}
