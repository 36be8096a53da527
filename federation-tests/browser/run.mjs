// Headless-Chromium checks of a running Jisr instance's website, for the federation tests
// (federation-tests/browser.rs runs this script):
//
//   node run.mjs --base http://localhost:PORT/ --out DIR [--flow] [--chromium /usr/bin/chromium]
//
// 1. full-page PNG screenshots of the main pages in English and Arabic, at desktop (1280 px)
//    and phone (390 px) widths, named like `en-desktop-events-calendar.png`;
// 2. axe-core on the same pages in both languages: every violation is reported, and those of
//    impact `serious` or `critical` fail the run;
// 3. `<html lang dir>`: `lang="ar" dir="rtl"` with `?lang=ar`, `lang="en" dir="ltr"` with `?lang=en`;
// 4. with `--flow`, the account and publishing flow in the browser: register an organization,
//    log out, log in, publish a bilingual event through the form (preview, then publish), find it
//    in the month calendar in both languages, and save its iCalendar file as `DIR/event.ics`;
// 5. the Content Security Policy: every violation a page reports (`securitypolicyviolation`)
//    fails the run, and a canary first checks that the policy is enforced and its violations
//    heard (an inline style added to the home page must be refused). axe-core is injected
//    through the DevTools protocol, which the policy does not govern, not as a `<script>`.
//
// Writes the result to `DIR/result.json` and prints it as the last line of stdout:
// `{ok, screenshots, violations, notes, problems, flow}`. Exits 0 when the run could be made,
// whatever it found (the Rust test judges `ok`), and 2 when it could not (bad arguments, no
// browser).

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    base: { type: 'string' },
    out: { type: 'string' },
    flow: { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!options.base || !options.out) {
  console.error('usage: node run.mjs --base http://localhost:PORT/ --out DIR [--flow]');
  process.exit(2);
}
const base = new URL(options.base);
const out = options.out;
mkdirSync(out, { recursive: true });

const PAGES = ['/', '/events', '/events/calendar', '/stories', '/opportunities', '/resources', '/about'];
const LANGUAGES = ['en', 'ar'];
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const FAILING_IMPACTS = new Set(['serious', 'critical']);
const TIMEOUT_MS = 15_000;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const result = {
  ok: false,
  screenshots: [],
  // axe violations of impact serious or critical: each fails the run.
  violations: [],
  // axe violations of lesser impact, and other observations: reported, not failing.
  notes: [],
  // Everything else that is wrong: each fails the run.
  problems: [],
  flow: null,
};

/// `path` on the instance with `?lang=` (and any other query) set.
function url(path, query = {}) {
  const address = new URL(path, base);
  for (const [key, value] of Object.entries(query)) address.searchParams.set(key, value);
  return address.href;
}

/// `/events/calendar` → `events-calendar`, `/` → `home`.
function slug(path) {
  const name = path.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9]+/g, '-');
  return name || 'home';
}

async function screenshot(page, name) {
  const file = `${name}.png`;
  await page.screenshot({ path: join(out, file), fullPage: true });
  result.screenshots.push(file);
}

/// Reports every Content Security Policy violation of the context's pages to `heard`
/// (`{page, directive, blocked}`): the pages have no script, so the listener is an init script
/// that calls a binding, both set up through the DevTools protocol.
async function watchPolicy(context, heard) {
  await context.exposeBinding('jisrPolicyViolation', ({ page }, violation) => {
    heard({ page: page.url(), ...violation });
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.jisrPolicyViolation({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
}

/// A violation heard on an ordinary page: a problem.
function policyProblem(violation) {
  result.problems.push(
    `${violation.page}: the Content Security Policy refused ${violation.blocked || 'something'} (${violation.directive})`,
  );
}

/// The canary: an inline style added to the home page must be refused and heard; otherwise
/// the policy is missing or not strict, or violations would go unnoticed.
async function policyCanary(browser) {
  const context = await browser.newContext({ viewport: WIDTHS.desktop, locale: 'en-US' });
  const heard = [];
  let wake = () => {};
  await watchPolicy(context, (violation) => {
    heard.push(violation);
    wake();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  try {
    if (!(await open(page, url('/', { lang: 'en' }), 'the policy canary'))) return;
    for (const violation of heard.splice(0)) policyProblem(violation);
    let timer;
    const refused = new Promise((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, 5_000);
    });
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { outline: 1px solid red; }';
      document.head.append(style);
    });
    await refused;
    clearTimeout(timer);
    if (!heard.some((violation) => violation.directive.startsWith('style-src') && violation.blocked === 'inline')) {
      result.problems.push(
        `the policy canary: an inline style on / was not refused or not heard (heard: ${JSON.stringify(heard)})`,
      );
    }
  } finally {
    await context.close();
  }
}

/// Runs axe-core on the page; sorts its violations into `violations` and `notes`.
async function accessibility(page, where) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const answer = await window.axe.run(document, { resultTypes: ['violations'] });
    return answer.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String).join(' '),
        summary: node.failureSummary,
      })),
    }));
  });
  for (const violation of found) {
    const entry = { page: where, ...violation };
    if (FAILING_IMPACTS.has(violation.impact)) result.violations.push(entry);
    else result.notes.push({ kind: 'axe', ...entry });
  }
}

/// `<html lang dir>` as expected for `language`.
async function direction(page, where, language) {
  const [lang, dir] = await page.evaluate(() => [
    document.documentElement.getAttribute('lang'),
    document.documentElement.getAttribute('dir'),
  ]);
  const expected = language === 'ar' ? 'rtl' : 'ltr';
  if (lang !== language || dir !== expected) {
    result.problems.push(
      `${where}: <html lang="${lang}" dir="${dir}">, expected lang="${language}" dir="${expected}"`,
    );
  }
}

/// Loads `address`; a status other than 200 is a problem (and `false`).
async function open(page, address, where) {
  const response = await page.goto(address, { waitUntil: 'load', timeout: TIMEOUT_MS });
  const status = response ? response.status() : 0;
  if (status !== 200) {
    result.problems.push(`${where}: GET ${address} answered ${status}`);
    return false;
  }
  return true;
}

/// Content wider than the phone's screen: a note (the page scrolls sideways).
async function overflow(page, where) {
  const [scroll, viewport] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    window.innerWidth,
  ]);
  if (scroll > viewport + 1) {
    result.notes.push({ kind: 'layout', page: where, help: `content is ${scroll} px wide on a ${viewport} px screen` });
  }
}

/// The main pages: screenshots at both widths, axe and `<html lang dir>` on the desktop ones.
async function pages(browser, widthName) {
  const context = await browser.newContext({ viewport: WIDTHS[widthName], locale: 'en-US' });
  await watchPolicy(context, policyProblem);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  try {
    for (const language of LANGUAGES) {
      for (const path of PAGES) {
        const where = `${path}?lang=${language} (${widthName})`;
        if (!(await open(page, url(path, { lang: language }), where))) continue;
        await screenshot(page, `${language}-${widthName}-${slug(path)}`);
        if (widthName === 'desktop') {
          await direction(page, where, language);
          await accessibility(page, `${path}?lang=${language}`);
        } else {
          await overflow(page, where);
        }
      }
    }
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The account and publishing flow (`--flow`).

/// Clicks `selector` (a submit button, in the page or in `scope`) and waits for the page that answers the form, following
/// redirects. Returns `{status, redirect}`: the final status, and the status of the form's own
/// answer when it was a redirect.
async function submit(page, selector, scope = page) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT_MS }),
    scope.locator(selector).click(),
  ]);
  if (!response) throw new Error(`${selector}: the form did not load a page`);
  const first = response.request().redirectedFrom();
  const redirect = first ? (await first.response())?.status() ?? null : null;
  return { status: response.status(), redirect, url: page.url() };
}

/// Throws unless the form's answer redirected with 303 to a page that loaded with 200 at a path
/// matching `expected`.
function expectRedirect(answer, step, expected) {
  const path = new URL(answer.url).pathname;
  if (answer.redirect !== 303 || answer.status !== 200 || !expected.test(path)) {
    throw new Error(
      `${step}: expected a 303 redirect to ${expected} then 200, got ${answer.redirect ?? 'no redirect'} ` +
        `to ${answer.url} then ${answer.status}`,
    );
  }
}

/// Throws unless the page (or a locator within it) has `selector`.
async function expectPresent(scope, selector, step) {
  if ((await scope.locator(selector).count()) === 0) {
    const where = typeof scope.url === 'function' ? scope.url() : scope.page().url();
    throw new Error(`${step}: no ${selector} on ${where}`);
  }
}

/// Fills the field `name` of `form` (a locator).
async function fill(form, name, value) {
  await form.locator(`[name="${name}"]`).fill(value);
}

/// The form that has a field `name` (the header has a search form too).
function formWith(page, name) {
  return page.locator(`form:has([name="${name}"])`);
}

/// `YYYY-MM` of next month and `YYYY-MM-14T18:00`, `…T20:00`.
function nextMonth() {
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const ym = `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month: ym, starts: `${ym}-14T18:00`, ends: `${ym}-14T20:00` };
}

async function flow(browser) {
  const state = {
    ran: true,
    ok: false,
    step: null,
    titles: { en: 'Cultural Evening', ar: 'أمسية ثقافية' },
    time_zone: 'Europe/Berlin',
    ...nextMonth(),
    event_url: null,
    ics: null,
  };
  result.flow = state;
  const account = {
    name: 'Nigerian Diaspora Berlin e.V.',
    email: `editor-${Date.now()}@ngb.example`,
    password: 'a long and secret passphrase 42',
  };
  const context = await browser.newContext({ viewport: WIDTHS.desktop, locale: 'en-US' });
  await watchPolicy(context, policyProblem);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const step = (name) => {
    state.step = name;
  };
  try {
    step('register');
    if (!(await open(page, url('/register', { lang: 'en' }), 'GET /register'))) throw new Error('no /register page');
    await accessibility(page, '/register?lang=en');
    await screenshot(page, 'en-desktop-register');
    const register = formWith(page, 'password');
    await expectPresent(register, 'input[type=hidden][name="csrf"]', 'register');
    await register.locator('input[type=radio][name="account_type"][value="organization"]').check();
    await fill(register, 'name', account.name);
    await fill(register, 'email', account.email);
    await fill(register, 'password', account.password);
    expectRedirect(await submit(page, 'button[type=submit]', register), 'register', /^\/$/);
    // The logout button is on "My account" (linked from every page's header).
    await open(page, url('/account', { lang: 'en' }), 'GET /account');
    await expectPresent(page, 'form[action="/logout"] button', 'register: logged in');
    await accessibility(page, '/account?lang=en');

    step('logout');
    await submit(page, 'form[action="/logout"] button');
    await open(page, url('/account', { lang: 'en' }), 'GET /account after logout');
    if ((await page.locator('form[action="/logout"] button').count()) !== 0) {
      throw new Error('logout: still logged in after logging out');
    }

    step('login');
    if (!(await open(page, url('/login', { lang: 'en' }), 'GET /login'))) throw new Error('no /login page');
    await accessibility(page, '/login?lang=en');
    const login = formWith(page, 'password');
    await expectPresent(login, 'input[type=hidden][name="csrf"]', 'login');
    await fill(login, 'email', account.email);
    await fill(login, 'password', account.password);
    expectRedirect(await submit(page, 'button[type=submit]', login), 'login', /^\/$/);
    await open(page, url('/account', { lang: 'en' }), 'GET /account after login');
    await expectPresent(page, 'form[action="/logout"] button', 'login: logged in');

    step('publish form');
    // The forms in Arabic, right to left: accessible too, and photographed.
    for (const path of ['/publish/event', '/account', '/publish']) {
      if (await open(page, url(path, { lang: 'ar' }), `GET ${path}?lang=ar`)) {
        await accessibility(page, `${path}?lang=ar`);
        await screenshot(page, `ar-desktop${path.replaceAll('/', '-')}`);
      }
    }
    if (!(await open(page, url('/publish/event', { lang: 'en' }), 'GET /publish/event'))) {
      throw new Error('no /publish/event page');
    }
    await accessibility(page, '/publish/event?lang=en');
    await screenshot(page, 'en-desktop-publish-event');
    const fields = {
      'text.en.title': state.titles.en,
      'text.en.summary': 'Music, poetry and food from Nigeria and Syria.',
      'text.en.body': 'An evening of music and poetry.\n\nEveryone is welcome; entry is free.',
      'text.ar.title': state.titles.ar,
      'text.ar.summary': 'موسيقى وشعر وطعام من نيجيريا وسوريا.',
      'text.ar.body': 'أمسية من الموسيقى والشعر.\n\nالجميع مدعوون والدخول مجاني.',
      'event.starts_at': state.starts,
      'event.ends_at': state.ends,
      'event.time_zone': state.time_zone,
      'event.place.name': 'Rathaus Neukölln',
      'event.place.locality': 'Berlin',
      'event.place.country': 'DE',
    };
    for (const [name, value] of Object.entries(fields)) await fill(formWith(page, 'text.en.title'), name, value);

    step('preview');
    const preview = await submit(page, 'button[name="action"][value="preview"]');
    if (preview.status !== 200) throw new Error(`preview: answered ${preview.status}`);
    const previewText = await page.locator('body').innerText();
    if (!previewText.includes(state.titles.en) && !previewText.includes(state.titles.ar)) {
      throw new Error('preview: the title is not shown');
    }
    for (const [name, value] of Object.entries(fields)) {
      const kept = await formWith(page, 'text.en.title').locator(`[name="${name}"]`).inputValue();
      // Browsers turn a textarea's line breaks into \n; datetime-local may add seconds.
      if (kept.replace(/\r\n/g, '\n') !== value && !(name.startsWith('event.') && kept.startsWith(value))) {
        throw new Error(`preview: ${name} is ${JSON.stringify(kept)}, not ${JSON.stringify(value)}`);
      }
    }
    await screenshot(page, 'en-desktop-publish-event-preview');

    step('publish');
    const published = await submit(page, 'button[name="action"][value="publish"]');
    expectRedirect(published, 'publish', /^\/events\/[^/]+$/);
    state.event_url = published.url;
    await accessibility(page, new URL(published.url).pathname);
    await screenshot(page, 'en-desktop-event');

    step('calendar.ics');
    const link = page.locator('a[href$="/calendar.ics"]').first();
    if ((await link.count()) === 0) throw new Error(`no a[href$="/calendar.ics"] on ${page.url()}`);
    const ics = new URL(await link.getAttribute('href'), page.url()).href;
    const download = await page.request.get(ics);
    if (download.status() !== 200) throw new Error(`GET ${ics} answered ${download.status()}`);
    writeFileSync(join(out, 'event.ics'), await download.body());
    state.ics = 'event.ics';

    for (const language of LANGUAGES) {
      step(`calendar in ${language}`);
      const address = url('/events/calendar', { month: state.month, lang: language });
      if (!(await open(page, address, `calendar ${state.month} in ${language}`))) {
        throw new Error(`the calendar of ${state.month} in ${language} did not load`);
      }
      await direction(page, `/events/calendar?month=${state.month}&lang=${language}`, language);
      const text = await page.locator('main').innerText();
      if (!text.includes(state.titles[language])) {
        throw new Error(`the calendar of ${state.month} in ${language} does not show "${state.titles[language]}"`);
      }
      await screenshot(page, `${language}-desktop-calendar-${state.month}`);
    }
    state.step = null;
    state.ok = true;
  } catch (error) {
    result.problems.push(`flow, at ${state.step}: ${error.message}`);
    await page.screenshot({ path: join(out, 'flow-failure.png'), fullPage: true }).catch(() => {});
    state.failure_page = page.url();
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------

let browser;
try {
  browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    args: ['--no-sandbox'],
  });
} catch (error) {
  console.error(`cannot start ${options.chromium}: ${error.message}`);
  process.exit(2);
}
const started = Date.now();
try {
  await policyCanary(browser);
  await Promise.all([pages(browser, 'desktop'), pages(browser, 'phone')]);
  if (options.flow) await flow(browser);
} catch (error) {
  result.problems.push(`the run stopped: ${error.stack || error.message}`);
} finally {
  await browser.close();
}
result.seconds = (Date.now() - started) / 1000;
result.ok = result.violations.length === 0 && result.problems.length === 0;
writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
