// Small helpers shared by the pages' scripts: building elements, JSON requests, saving downloads.
'use strict';

/** An element with attributes (on* names become listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Runs fn once calls have paused for `wait` milliseconds. */
export function debounce(fn, wait) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** The JSON answer of a request, with its status; a network failure becomes a Chinese message. */
export async function requestJSON(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...options });
  } catch (error) {
    return { status: 0, ok: false, body: { errors: [{ loc: [], msg: '无法连接服务器，请检查网络后重试' }] } };
  }
  let body = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    body = await response.json();
  }
  return { status: response.status, ok: response.ok, body, response };
}

/** POST data as JSON. */
export function postJSON(url, data, options = {}) {
  return fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', ...(options.headers || {}) },
    body: JSON.stringify(data),
  });
}

/** The file name a response offers: RFC 5987 filename* first, then the plain filename. */
export function filenameFrom(disposition, fallback = 'download') {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try { return decodeURIComponent(extended[1].trim()); } catch (error) { /* fall through */ }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

/** Hands a response's body to the browser as a download under the name the server gave. */
export async function saveResponse(response, fallbackName) {
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get('Content-Disposition'), fallbackName);
  saveBlob(blob, name);
  return name;
}

/** Hands a blob to the browser as a download named name. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // the browser has taken the blob once the click is handled
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Messages of an error answer {"errors": [{loc, msg}]}, or one generic message. */
export function errorMessages(body, status) {
  if (body && Array.isArray(body.errors) && body.errors.length) return body.errors;
  return [{ loc: [], msg: status ? `请求未完成（HTTP ${status}）` : '请求未完成' }];
}
