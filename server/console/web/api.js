// The console's JSON API as the pages use it. The session lives in an
// HttpOnly cookie the browser sends by itself; every write also sends the
// session's CSRF token, which only this page (not another site) can read.
let csrfToken = '';

export function setCsrf(token) { csrfToken = token || ''; }

export class ApiError extends Error {
  constructor(status, message, path, data = null) {
    super(message);
    this.status = status;
    this.path = path;
    this.data = data;  // the console's JSON answer, e.g. {error, existing_case}
  }
}

// Called on 401 so the app can show the login form (the session expired).
let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) { onUnauthenticated = fn; }

// method, path below /api/v1 ("/devices"), optional body (object → JSON,
// string → sent as-is with `contentType`). Resolves with the parsed JSON;
// rejects with ApiError carrying the server's {"error": …} text.
export async function api(method, path, body, contentType = 'application/json') {
  const headers = {};
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, `The console cannot be reached; check the network and try again (${e.message}).`, path);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const message = (data && data.error) || text || res.statusText;
    if (res.status === 401 && path !== '/login') onUnauthenticated();
    throw new ApiError(res.status, plain(res.status, message, path), path, data);
  }
  return data;
}

// What a person reads: the console's own reason in a sentence, never the
// request line ("GET /api/v1/devices/…: 404"). The status stays on the error.
function plain(status, reason, path) {
  // "…; body {"status"?: …}" is the API's hint for programmers; people get the reason alone.
  const r = String(reason || '').replace(/;? ?body [{[].*$/s, '').replace(/\.$/, '');
  if (status === 401 && path !== '/login') return 'Your session has ended; log in again.';
  if (status === 403 && /CSRF/i.test(r)) return 'This page is out of date; reload it and try again.';
  if (status === 400) return `The console could not use that: ${r}.`;
  if (status === 401) return `${r.charAt(0).toUpperCase()}${r.slice(1)}.`;
  if (status === 403) return `Not allowed: ${r}.`;
  if (status === 404) return `Not found: ${r}.`;
  if (status === 409) return `Not possible right now: ${r}.`;
  if (status === 429) return `Too many attempts: ${r}.`;
  if (status >= 500) return `The console failed to answer (${r}). Try again; if it keeps failing, tell an administrator.`;
  return r;
}

export const get = (path) => api('GET', path);
export const post = (path, body, contentType) => api('POST', path, body ?? {}, contentType);

// Endpoints added after this UI (or on an older collector) answer 404 with
// "no such endpoint"; pages show "not available" for those instead of an error.
// A collector that routes every /devices/<rest> to the device lookup answers
// "no device <id>/heatmap" for a sub-resource it lacks: also missing.
export function isMissingEndpoint(e) {
  return e instanceof ApiError && e.status === 404 &&
    (/no such (endpoint|path)/.test(e.message) || /no device \S+\/(rtt|heatmap|export|revoke)\b/.test(e.message));
}
