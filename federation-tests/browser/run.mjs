// Headless-Chromium checks of a running Jisr instance's website, for the federation tests
// (federation-tests/browser.rs runs this script):
//
//   node run.mjs --base http://localhost:PORT/ --out DIR [--flow] [--chromium /usr/bin/chromium]
//
// 1. full-page PNG screenshots of the main pages (and of the first event, story, opportunity and
//    resource) in English, Arabic, French and Spanish, at desktop (1280 px) and phone (390 px)
//    widths, named like `en-desktop-events-calendar.png`, `ar-phone-event.png`; on phones,
//    content wider than the screen (at 390 and 320 px) fails the run;
// 2. axe-core on the same pages in every language: every violation is reported, and those of
//    impact `serious` or `critical` fail the run; so does a message key, an English message in
//    another language, or a language or country code shown where its name belongs;
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
// `{ok, screenshots, retries, violations, notes, problems, flow}`. Exits 0 when the run could be
// made, whatever it found (the Rust test judges `ok`), and 2 when it could not (bad arguments, no
// browser). Chromium's own log goes to `DIR/chromium.log`, for when something fails inside it.
//
// A screenshot that Chromium refuses with `Unable to capture screenshot` is taken once more (see
// `captureRetryingOnce`), and the retry is reported in `retries`; anything else fails as before.
//
//   node run.mjs --self-test
//
// checks that retry on made-up errors, without a browser or the npm packages (exit 0 or 1).

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
    'self-test': { type: 'boolean', default: false },
  },
});

// ---------------------------------------------------------------------------------------------
// Screenshots that Chromium refuses.

/// What Playwright reports when Chromium's DevTools answer a capture with no picture: the
/// compositor handed back an empty frame (Chromium's `PageHandler`, "Unable to capture
/// screenshot"). It comes and goes on a loaded machine, and the same capture asked again a moment
/// later succeeds. Only this exact protocol error is retried, never a timeout or anything else.
const REFUSED_CAPTURE = 'Protocol error (Page.captureScreenshot): Unable to capture screenshot';

/// Runs `capture`; if Chromium refused it (REFUSED_CAPTURE), calls `retrying(error)`, waits
/// `pauseMs` and runs it exactly once more. Any other error, and a second failure of any kind,
/// is thrown as it came.
async function captureRetryingOnce(capture, retrying, pauseMs = 1_000) {
  try {
    return await capture();
  } catch (error) {
    if (!String(error?.message).includes(REFUSED_CAPTURE)) throw error;
    retrying(error);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return await capture();
  }
}

/// `--self-test`: `captureRetryingOnce` on captures that succeed or throw as each case says.
/// Prints `{ok, cases}` as its last line; exits 0 when every case behaved, 1 otherwise.
async function selfTest() {
  const refused = () => new Error(`page.screenshot: ${REFUSED_CAPTURE}\nCall log:\n  - taking page screenshot`);
  const timeout = () => new Error('page.screenshot: Timeout 45000ms exceeded.');
  const closed = () => new Error('page.screenshot: Protocol error (Page.captureScreenshot): Target closed');
  // `answers`: what the capture does on its first, second, … call (an error to throw, or
  // `null` for a picture); `calls`, `retries` and `fails` are what must happen.
  const cases = [
    { name: 'a picture at once: no retry', answers: [null], calls: 1, retries: 0, fails: null },
    { name: 'refused, then a picture: one retry, success', answers: [refused(), null], calls: 2, retries: 1, fails: null },
    { name: 'refused twice: one retry, then the second refusal fails', answers: [refused(), refused(), null], calls: 2, retries: 1, fails: 1 },
    { name: 'refused, then a timeout: the timeout fails', answers: [refused(), timeout(), null], calls: 2, retries: 1, fails: 1 },
    { name: 'a timeout: no retry, it fails', answers: [timeout(), null], calls: 1, retries: 0, fails: 0 },
    { name: 'another protocol error of the capture: no retry, it fails', answers: [closed(), null], calls: 1, retries: 0, fails: 0 },
  ];
  const report = [];
  for (const test of cases) {
    let calls = 0;
    let retries = 0;
    let thrown = null;
    try {
      await captureRetryingOnce(
        async () => {
          const answer = test.answers[calls++];
          if (answer) throw answer;
          return 'picture';
        },
        () => retries++,
        0,
      );
    } catch (error) {
      thrown = error;
    }
    // A failure must be the very error of the call named by `fails`, not a new one.
    const failedAsExpected = test.fails === null ? thrown === null : thrown === test.answers[test.fails];
    const ok = calls === test.calls && retries === test.retries && failedAsExpected;
    report.push({ name: test.name, ok, calls, retries, error: thrown ? thrown.message.split('\n')[0] : null });
  }
  const ok = report.every((test) => test.ok);
  console.log(JSON.stringify({ ok, cases: report }));
  process.exit(ok ? 0 : 1);
}

if (options['self-test']) await selfTest();

// ---------------------------------------------------------------------------------------------

if (!options.base || !options.out) {
  console.error('usage: node run.mjs --base http://localhost:PORT/ --out DIR [--flow] | --self-test');
  process.exit(2);
}
// Imported here, not at the top, so that `--self-test` needs no npm packages.
const { chromium } = await import('playwright-core');
const base = new URL(options.base);
const out = options.out;
mkdirSync(out, { recursive: true });

const PAGES = ['/', '/events', '/events/calendar', '/stories', '/opportunities', '/resources', '/directory', '/members', '/forums', '/experts', '/remittances', '/remittances/de-ng', '/reports/gcm', '/about', '/about/moderation', '/follow', '/embed/events'];
// Pages that answer an error, as a page of the site: the path and its status.
const ERROR_PAGES = [['/no/such/page', 404]];
// The languages of the account flow (the instance publishes in these two)…
const LANGUAGES = ['en', 'ar'];
// …and of the interface: every page is visited in each.
const INTERFACE_LANGUAGES = ['en', 'ar', 'fr', 'es'];
// The publications whose pages are visited too: the first card of each list.
// Ours, and a network item (an event of an organization alpha follows) on its own page.
const PUBLICATION_LISTS = {
  event: '/events?source=ours',
  story: '/stories?source=ours',
  opportunity: '/opportunities',
  resource: '/resources',
  network: '/events?source=network',
  // A forum (the first of /forums), and its first thread: in Arabic, with a reply in English.
  forum: '/forums',
  thread: '/forums/majlis',
};
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const FAILING_IMPACTS = new Set(['serious', 'critical']);
// For every navigation, wait and action. Generous: on a loaded machine (CI builds and runs the
// Rust tests beside this), a page load or a full-page capture can take many times its usual
// second, and a timeout here fails the whole test.
const TIMEOUT_MS = 45_000;

// The catalogs (`locales/*.ftl`): what an untranslated message looks like in each language.
const catalogs = Object.fromEntries(
  INTERFACE_LANGUAGES.map((language) => {
    const messages = new Map();
    const file = new URL(`../../locales/${language}.ftl`, import.meta.url);
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([a-z][a-z0-9-]*) = (.+)$/.exec(line);
      if (match) messages.set(match[1], match[2].trim());
    }
    return [language, messages];
  }),
);
// Codes that must never be shown in place of a name: ISO 639 language codes and ISO 3166
// country codes, from the CLDR names the site uses.
const cldr = JSON.parse(readFileSync(new URL('../../locales/cldr/en.json', import.meta.url), 'utf8'));
const LANGUAGE_CODES = new Set(Object.keys(cldr.languages).filter((code) => /^[a-z]{2,3}$/.test(code)));
const COUNTRY_CODES = new Set(Object.keys(cldr.countries ?? cldr.territories ?? {}).filter((code) => /^[A-Z]{2}$/.test(code)));

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const result = {
  ok: false,
  screenshots: [],
  // Screenshots taken a second time because Chromium refused the first (one line each).
  retries: [],
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
  await captureRetryingOnce(
    () => page.screenshot({ path: join(out, file), fullPage: true }),
    (error) => {
      const line = `${file} of ${page.url()}: Chromium refused the capture (${error.message.split('\n')[0]}); taking it once more`;
      result.retries.push(line);
      console.error(`run.mjs: RETRIED ${line}`);
    },
  );
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
  await fakeTiles(context);
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

/// Map tiles and pictures, drawn here: the instance under test takes its tiles from TILES and
/// its publications' pictures from PICTURES (see browser.rs), which no server answers; each
/// tile is a light square with two "streets" and its z/x/y, so that the screenshots show where
/// the maps are and how they line up.
const TILES = 'https://tiles.jisr.test/';
const PICTURES = 'https://pictures.jisr.test/';
async function fakeTiles(context) {
  await context.route(`${TILES}**`, (route) => {
    const [z, x, y] = new URL(route.request().url()).pathname.replace(/\.png$/, '').split('/').slice(1);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">` +
      `<rect width="256" height="256" fill="#eef0e6" stroke="#d5d9cc"/>` +
      `<path d="M0 ${40 + (Number(x) % 5) * 35}H256M${40 + (Number(y) % 5) * 35} 0V256" stroke="#fff" stroke-width="10"/>` +
      `<text x="12" y="244" font-family="sans-serif" font-size="12" fill="#9aa08c">${z}/${x}/${y}</text></svg>`;
    return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: svg });
  });
  // The pictures of the publications (an event's banner, a story's image): drawn too.
  await context.route(`${PICTURES}**`, (route) => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="600">` +
      `<defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#f2c14e"/><stop offset="1" stop-color="#d1495b"/></linearGradient></defs>` +
      `<rect width="1200" height="600" fill="url(#g)"/><circle cx="900" cy="180" r="90" fill="#fff6" /></svg>`;
    return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: svg });
  });
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
async function open(page, address, where, expected = 200) {
  const response = await page.goto(address, { waitUntil: 'load', timeout: TIMEOUT_MS });
  const status = response ? response.status() : 0;
  if (status !== expected) {
    result.problems.push(`${where}: GET ${address} answered ${status}`);
    return false;
  }
  return true;
}

/// Content wider than the phone's screen: a problem (the page scrolls sideways).
async function overflow(page, where) {
  const [scroll, viewport] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    window.innerWidth,
  ]);
  if (scroll > viewport + 1) {
    result.problems.push(`${where}: content is ${scroll} px wide on a ${viewport} px screen (it scrolls sideways)`);
  }
}

/// Words a reader should never see: a message key or an English message in place of a
/// translation (a missing message falls back to English, then to its key), or a language or
/// country code in place of its name. Reads every text node of the page (and the `alt`,
/// `title`, `placeholder` and `aria-label` attributes), cut at list separators.
async function wording(page, where, language) {
  const pieces = await page.evaluate(() => {
    const pageLanguage = document.documentElement.getAttribute('lang');
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent && ['SCRIPT', 'STYLE', 'TEXTAREA', 'CODE', 'PRE'].includes(parent.tagName)) continue;
      // Content people wrote (a publication's text, names they gave) is theirs, not ours.
      if (parent && parent.closest('[data-content]')) continue;
      // Words in another language than the page's (the language switcher's "English",
      // "العربية") are that language's: its own checks read them.
      const marked = parent && parent.closest('[lang]');
      if (marked && marked.getAttribute('lang') !== pageLanguage) continue;
      texts.push(node.textContent);
    }
    for (const element of document.querySelectorAll('[alt], [title], [placeholder], [aria-label]')) {
      const marked = element.closest('[lang]');
      if (marked && marked.getAttribute('lang') !== pageLanguage) continue;
      for (const name of ['alt', 'title', 'placeholder', 'aria-label']) {
        const value = element.getAttribute(name);
        if (value) texts.push(value);
      }
    }
    return texts.flatMap((text) => text.split(/[·,،|]/)).map((piece) => piece.trim()).filter(Boolean);
  });
  const english = catalogs.en;
  const own = catalogs[language];
  const found = new Set();
  for (const piece of pieces) {
    if (english.has(piece)) found.add(`the message key "${piece}"`);
    if (LANGUAGE_CODES.has(piece)) found.add(`the language code "${piece}"`);
    if (COUNTRY_CODES.has(piece)) found.add(`the country code "${piece}"`);
  }
  if (language !== 'en') {
    const untranslated = new Map();
    for (const [key, message] of english) {
      if (!message.includes('{') && own.get(key) !== message && message.length > 3) untranslated.set(message, key);
    }
    for (const piece of pieces) {
      if (untranslated.has(piece)) found.add(`"${piece}" in English (${untranslated.get(piece)})`);
    }
  }
  for (const what of found) result.problems.push(`${where}: shows ${what}`);
}

/// The first publication of each list, as `[name, path]` (`['event', '/events/…']`).
async function publicationPages(browser) {
  const context = await browser.newContext({ viewport: WIDTHS.desktop, locale: 'en-US' });
  await fakeTiles(context);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const found = [];
  try {
    for (const [name, list] of Object.entries(PUBLICATION_LISTS)) {
      if (!(await open(page, url(list, { lang: 'en' }), `GET ${list}`))) continue;
      const link = page.locator('.card h2 a, .card h3 a, .thread-row h2 a').first();
      if ((await link.count()) === 0) {
        result.problems.push(`${list}: no publication to visit`);
        continue;
      }
      found.push([name, new URL(await link.getAttribute('href'), page.url()).pathname]);
    }
  } finally {
    await context.close();
  }
  return found;
}

/// The main pages in every interface language: screenshots at both widths; axe, the wording
/// and `<html lang dir>` on the desktop ones; no sideways scrolling on phones (390 px, then
/// 320 px without a screenshot).
async function pages(browser, widthName, publications) {
  const context = await browser.newContext({ viewport: WIDTHS[widthName], locale: 'en-US' });
  await fakeTiles(context);
  await watchPolicy(context, policyProblem);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const visits = [
    ...PAGES.map((path) => [path, slug(path), 200]),
    ...publications.map(([name, path]) => [path, name, 200]),
    ...ERROR_PAGES.map(([path, status]) => [path, slug(path), status]),
  ];
  try {
    for (const language of INTERFACE_LANGUAGES) {
      for (const [path, name, status] of visits) {
        const where = `${path}?lang=${language} (${widthName})`;
        if (!(await open(page, url(path, { lang: language }), where, status))) continue;
        await screenshot(page, `${language}-${widthName}-${name}`);
        if (widthName === 'desktop') {
          await direction(page, where, language);
          await accessibility(page, `${path}?lang=${language}`);
          await wording(page, where, language);
        } else {
          await overflow(page, where);
          await page.setViewportSize({ width: 320, height: 844 });
          await overflow(page, `${path}?lang=${language} (320 px)`);
          await page.setViewportSize(WIDTHS[widthName]);
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
  await fakeTiles(context);
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
    for (const path of ['/publish/event', '/publish/story', '/account', '/account/delete', '/remittances/report', '/publish', '/admin/network', '/admin/replies', '/forums/arrivals', '/admin/domains', '/admin/accounts', '/admin/log', '/admin/reports']) {
      if (await open(page, url(path, { lang: 'ar' }), `GET ${path}?lang=ar`)) {
        await accessibility(page, `${path}?lang=ar`);
        await screenshot(page, `ar-desktop${path.replaceAll('/', '-')}`);
      }
    }
    // The report form, from a reply in a thread's "Report" link, in both languages.
    if (await open(page, url('/forums/majlis', { lang: 'en' }), 'GET /forums/majlis (report)')) {
      const first = page.locator('.thread-row h2 a').first();
      const thread = new URL(await first.getAttribute('href'), page.url()).pathname;
      if (await open(page, url(thread, { lang: 'en' }), `GET ${thread} (report)`)) {
        const report = page.locator('a[href^="/report?"]').first();
        if ((await report.count()) === 0) throw new Error(`${thread}: no Report link`);
        const form = new URL(await report.getAttribute('href'), page.url());
        for (const language of LANGUAGES) {
          form.searchParams.set('lang', language);
          if (await open(page, form.href, `GET /report?lang=${language}`)) {
            await accessibility(page, `/report?lang=${language}`);
            await screenshot(page, `${language}-desktop-report`);
          }
        }
      }
    }
    // A thread as its forum's moderators see it: the buttons to lock, pin and remove.
    if (await open(page, url('/forums/majlis', { lang: 'en' }), 'GET /forums/majlis')) {
      const first = page.locator('.thread-row h2 a').first();
      if ((await first.count()) === 0) throw new Error('/forums/majlis: no thread to moderate');
      const thread = new URL(await first.getAttribute('href'), page.url()).pathname;
      for (const language of LANGUAGES) {
        if (await open(page, url(thread, { lang: language }), `GET ${thread}?lang=${language} (moderator)`)) {
          await expectPresent(page, 'form[action$="/moderate"] button', `${thread}: moderation buttons`);
          await accessibility(page, `${thread}?lang=${language} (moderator)`);
          await screenshot(page, `${language}-desktop-thread-moderator`);
        }
      }
    }
    // The logged-in pages on phones (390 and 320 px), in both languages: no sideways scrolling.
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 844 });
      for (const language of LANGUAGES) {
        for (const path of ['/publish/event', '/publish/story', '/publish', '/account', '/remittances/report', '/admin/members', '/admin/profile', '/admin/network', '/admin/replies', '/forums/arrivals', '/admin/domains', '/admin/accounts', '/admin/log', '/admin/reports']) {
          const where = `${path}?lang=${language} (${width} px)`;
          if (await open(page, url(path, { lang: language }), where)) {
            await overflow(page, where);
            if (width === 390) await screenshot(page, `${language}-phone${path.replaceAll('/', '-')}`);
          }
        }
      }
    }
    await page.setViewportSize(WIDTHS.desktop);
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
      'event.place.country': 'Germany',
    };
    for (const [name, value] of Object.entries(fields)) await fill(formWith(page, 'text.en.title'), name, value);

    // The byline: the registered organization itself (the first choice after "no byline").
    await formWith(page, 'text.en.title').locator('select[name="author"]').selectOption({ index: 1 });

    step('map');
    // A click on the map sets the point there and zooms in; what was typed stays.
    for (const zoom of ['5', '8']) {
      const moved = await submit(page, 'input[type="image"][name="map-1-1"]');
      if (moved.status !== 200) throw new Error(`map: a click answered ${moved.status}`);
      const kept = await page.locator('[name="map_zoom"]').inputValue();
      const latitude = await page.locator('[name="event.place.latitude"]').inputValue();
      if (kept !== zoom || !/^-?\d+\.\d+$/.test(latitude)) {
        throw new Error(`map: after a click the zoom is ${kept} (not ${zoom}) and the latitude ${JSON.stringify(latitude)}`);
      }
      const title = await page.locator('[name="text.en.title"]').inputValue();
      if (title !== state.titles.en) throw new Error(`map: the title became ${JSON.stringify(title)}`);
    }
    await accessibility(page, '/publish/event with a point');
    await screenshot(page, 'en-desktop-publish-event-map');
    // Enter in a field previews, as without a map (the tiles are submit buttons too).
    const entered = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT_MS }),
      page.locator('[name="event.place.name"]').press('Enter'),
    ]);
    if (!entered[0] || (await page.locator('#preview-heading').count()) === 0) {
      throw new Error('map: Enter in a field did not preview');
    }

    step('preview');
    const preview = await submit(page, '.buttons button[name="action"][value="preview"]');
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
    // The same event in Arabic, on a desktop and on a phone.
    const arabic = new URL(published.url);
    arabic.searchParams.set('lang', 'ar');
    if (await open(page, arabic.href, 'the event in Arabic')) {
      await direction(page, 'the event in Arabic', 'ar');
      await accessibility(page, `${arabic.pathname}?lang=ar`);
      await screenshot(page, 'ar-desktop-event');
      await page.setViewportSize(WIDTHS.phone);
      await overflow(page, 'the event in Arabic (phone)');
      await screenshot(page, 'ar-phone-event');
      await page.setViewportSize(WIDTHS.desktop);
      await open(page, published.url.replace(/\?.*$/, '') + '?lang=en', 'the event in English');
    }

    step('byline');
    // The byline links to the member's profile page, in both languages and on a phone.
    const author = page.locator('a[rel="author"]').first();
    if ((await author.count()) === 0) throw new Error(`no byline (a[rel="author"]) on ${page.url()}`);
    const profile = new URL(await author.getAttribute('href'), page.url());
    for (const language of LANGUAGES) {
      profile.searchParams.set('lang', language);
      if (await open(page, profile.href, `the member's profile in ${language}`)) {
        await direction(page, `${profile.pathname}?lang=${language}`, language);
        await accessibility(page, `${profile.pathname}?lang=${language}`);
        await wording(page, `${profile.pathname}?lang=${language}`, language);
        await screenshot(page, `${language}-desktop-member`);
        await page.setViewportSize(WIDTHS.phone);
        await overflow(page, `${profile.pathname}?lang=${language} (phone)`);
        await page.setViewportSize(WIDTHS.desktop);
      }
    }
    await open(page, published.url.replace(/\?.*$/, '') + '?lang=en', 'the event in English');

    step('rsvp');
    // "I'm going" on the event: the box says so, the organizers' list has the member, and the
    // account page lists the event; each page in both languages, on a desktop and a phone.
    const going = await submit(page, 'form.rsvp-form button[type=submit]');
    if (going.status !== 200 || !new URL(going.url).pathname.startsWith('/events/')) {
      throw new Error(`rsvp: "I'm going" answered ${going.status} at ${going.url}`);
    }
    await expectPresent(page, '.rsvp-mine', 'rsvp: the member is going');
    const eventPath = new URL(published.url).pathname;
    for (const path of [eventPath, `${eventPath}/participants`, '/account']) {
      for (const language of LANGUAGES) {
        const where = `${path}?lang=${language}`;
        if (!(await open(page, url(path, { lang: language }), where))) throw new Error(`rsvp: no ${where}`);
        await direction(page, where, language);
        await accessibility(page, where);
        await wording(page, where, language);
        const name = path === eventPath ? 'event-rsvp' : path.split('/').pop();
        await screenshot(page, `${language}-desktop-${name}`);
        await page.setViewportSize(WIDTHS.phone);
        await overflow(page, `${where} (phone)`);
        await screenshot(page, `${language}-phone-${name}`);
        await page.setViewportSize(WIDTHS.desktop);
      }
    }
    await open(page, published.url.replace(/\?.*$/, '') + '?lang=en', 'the event in English');

    step('members');
    // The member chooses to be listed: the list of members shows them, in both languages, on
    // a desktop and a phone.
    if (!(await open(page, url('/account/profile', { lang: 'en' }), 'the profile form'))) {
      throw new Error('members: no profile form');
    }
    await formWith(page, 'listed').locator('[name="listed"]').check();
    const saved = await submit(page, 'form[action="/account/profile"] button[type=submit]');
    expectRedirect(saved, 'members: the profile', /^\/account$/);
    for (const language of LANGUAGES) {
      const where = `/members?lang=${language}`;
      if (!(await open(page, url('/members', { lang: language }), where))) throw new Error(`members: no ${where}`);
      await expectPresent(page, '.cards.organizations article', 'members: the member is listed');
      await direction(page, where, language);
      await accessibility(page, where);
      await wording(page, where, language);
      await screenshot(page, `${language}-desktop-members-listed`);
      await page.setViewportSize(WIDTHS.phone);
      await overflow(page, `${where} (phone)`);
      await screenshot(page, `${language}-phone-members-listed`);
      await page.setViewportSize(WIDTHS.desktop);
    }
    await open(page, published.url.replace(/\?.*$/, '') + '?lang=en', 'the event in English');

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
    timeout: TIMEOUT_MS,
    args: [
      // Root in a container has no user namespaces for Chromium's sandbox.
      '--no-sandbox',
      // Nothing drawn on a GPU, even where Chromium finds one: refused or broken captures in
      // headless Chromium are often traced to the GPU path (and full-page captures taller than
      // 16,384 px fail on it), and the pages need none of it. Debian's /usr/bin/chromium asks for
      // GPU rasterization on every start (/etc/chromium.d/default-flags); this overrides it.
      // A precaution, not the cure: on a machine without a GPU, chrome://gpu already shows
      // software compositing and rasterization without it.
      '--disable-gpu',
      // Chromium's own log (every process's), kept beside the screenshots for a failure's cause.
      '--enable-logging',
      `--log-file=${join(out, 'chromium.log')}`,
    ],
  });
} catch (error) {
  console.error(`cannot start ${options.chromium}: ${error.message}`);
  process.exit(2);
}
const started = Date.now();
try {
  await policyCanary(browser);
  const publications = await publicationPages(browser);
  await Promise.all([pages(browser, 'desktop', publications), pages(browser, 'phone', publications)]);
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
