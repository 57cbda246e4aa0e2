// The console's single page: hash routes (#/overview, #/device/<id> …) so a
// reload or a shared link opens the same view, and the server only ever
// serves index.html plus these static files.
import { get, post, setCsrf, setUnauthenticatedHandler } from './api.js';
import { h, clear } from './dom.js';
import overview from './views/overview.js';
import devices from './views/devices.js';
import device from './views/device.js';
import clusters from './views/clusters.js';
import { caseList, caseDetail } from './views/cases.js';
import admin from './views/admin.js';
import alerts, { alertChannels } from './views/alerts.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
const errorBox = document.getElementById('error');
const state = { me: null };

export function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}
function clearError() { errorBox.textContent = ''; errorBox.hidden = true; }

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

const pages = {
  overview: (view) => overview(view, ctx()),
  devices: (view, param, params) => devices(view, ctx(), param, params),
  device: (view, param) => device(view, ctx(), param),
  clusters: (view) => clusters(view, ctx()),
  cases: (view) => caseList(view, ctx()),
  case: (view, param) => caseDetail(view, ctx(), param),
  admin: (view) => admin(view, ctx()),
  password: (view) => passwordForm(view, false),
  alerts: (view, param, params) => alerts(view, ctx(), params),
  'alert-channels': (view) => alertChannels(view, ctx()),
};

function ctx() { return { me: state.me, showError, navigate }; }

function route() {
  clearError();
  if (!state.me) return loginForm();
  if (state.me.must_change_password) return passwordForm(clear(main), true);
  top.hidden = false;
  document.getElementById('who').textContent = `${state.me.username} (${state.me.role})`;
  document.getElementById('nav-admin').hidden = state.me.role !== 'admin';
  // Cases need the investigator role; a viewer would only meet a 403 there.
  document.querySelector('#nav a[data-page="cases"]').hidden = state.me.role === 'viewer';
  // "#/devices?verdict=suspicious&q=lab": the part after "?" is the page's
  // state (filter, search, sort), so a link or a reload shows the same list.
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query);
  const [page = 'overview', ...rest] = path.split('/');
  const param = decodeURIComponent(rest.join('/'));
  const name = pages[page] ? page : 'overview';
  const section = { device: 'devices', case: 'cases', 'alert-channels': 'alerts' }[name] || name;
  refreshAlertCount();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === section);
  // A fresh container per visit: a slow request from the previous page then
  // fills a detached element instead of the page now shown.
  const view = h('div', { class: 'view', id: 'view-' + name });
  clear(main).append(view);
  document.title = `Telltale · ${name}`;
  Promise.resolve(pages[name](view, param, params)).catch((e) => showError(e.message));
}

// The nav's count of new alerts, refreshed on every page change.
function refreshAlertCount() {
  get('/alerts?state=new&limit=1').then((r) => {
    const n = (r.counts || {}).new || 0;
    document.getElementById('nav-alert-count').textContent = n ? String(n) : '';
  }).catch(() => {});
}

function loginForm(notice) {
  top.hidden = true;
  const err = h('p', { class: 'error-inline', role: 'alert', hidden: true });
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { id: 'login-form', class: 'card narrow', onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    try {
      const me = await post('/login', { username: user.value, password: pass.value });
      setCsrf(me.csrf);
      state.me = me;
      if (!location.hash || location.hash === '#/') location.hash = '#/overview';
      route();
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
    }
  } },
  h('h1', { text: 'Telltale console' }),
  notice ? h('p', { class: 'notice', text: notice }) : null,
  h('label', {}, 'User name', user), h('label', {}, 'Password', pass), err,
  h('button', { type: 'submit', id: 'login-submit', text: 'Log in' }));
  clear(main).append(form);
  document.title = 'Telltale · log in';
  (user.value ? pass : user).focus();
  singleSignOn(form, err);
}

// Single sign-on: a link to the identity provider when the console has one,
// and the reason a sign-in there was refused (the callback sends it back in
// #/login?sso_error=…, already in plain words).
async function singleSignOn(form, err) {
  const refused = new URLSearchParams(location.hash.split('?')[1] || '').get('sso_error');
  if (refused) { err.textContent = refused; err.hidden = false; }
  try {
    const sso = await get('/sso');
    if (!sso.enabled) return;
    form.append(h('p', { class: 'sso' }, h('a', { id: 'sso-login', class: 'button', href: '/api/v1/sso/start', text: `Sign in with ${sso.label}` })));
  } catch (e) {
    // An older collector has no /sso: the password form is all there is.
  }
}

function passwordForm(view, forced) {
  if (forced) top.hidden = true;
  const err = h('p', { class: 'error-inline', role: 'alert', hidden: true });
  const old = h('input', { id: 'pw-old', type: 'password', autocomplete: 'current-password', required: true });
  const neu = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true, minlength: '12' });
  const again = h('input', { id: 'pw-again', type: 'password', autocomplete: 'new-password', required: true, minlength: '12' });
  const form = h('form', { id: 'password-form', class: 'card narrow', onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (neu.value !== again.value) { err.textContent = 'The new passwords differ.'; err.hidden = false; return; }
    try {
      await post('/password', { old_password: old.value, new_password: neu.value });
      state.me = await get('/me');
      setCsrf(state.me.csrf);
      navigate('#/overview');
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
    }
  } },
  h('h1', { text: forced ? 'Choose your password' : 'Change password' }),
  forced ? h('p', { class: 'notice', text: 'This account still has its one-time password. Choose a new one (at least 12 characters) to continue.' }) : null,
  h('label', {}, 'Current password', old), h('label', {}, 'New password', neu), h('label', {}, 'New password again', again), err,
  h('button', { type: 'submit', id: 'password-submit', text: 'Change password' }));
  view.append(form);
  old.focus();
}

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await post('/logout');
  } catch (e) {
    // The session may already be gone; the form below is right either way.
  }
  state.me = null;
  setCsrf('');
  loginForm('You are logged out.');
});

setUnauthenticatedHandler(() => {
  if (!state.me) return;
  state.me = null;
  setCsrf('');
  loginForm('Your session ended; log in again.');
});

window.addEventListener('hashchange', route);

(async function boot() {
  try {
    state.me = await get('/me');
    setCsrf(state.me.csrf);
  } catch (e) {
    state.me = null;
    if (e.status !== 401) showError(e.message);
  }
  route();
})();
