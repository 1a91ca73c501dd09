// The interactive API documentation: every operation of /api/v1/openapi.json with its parameters,
// request schema and responses, and a form to send it and read the answer.
'use strict';

import { h, filenameFrom } from './lib.js';
import { resolve } from './schema-form.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const container = document.querySelector('[data-api-docs]');
if (container) start(container);

async function start(container) {
  const list = container.querySelector('[data-operations]');
  const nav = container.querySelector('[data-tags]');
  let documentBody;
  try {
    const response = await fetch(container.dataset.openapiUrl, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    documentBody = await response.json();
  } catch (error) {
    list.replaceChildren(h('p', { class: 'notice notice--error' }, `接口说明加载失败（${error.message}），请刷新重试。`));
    return;
  }
  const info = document.querySelector('[data-info]');
  if (info && documentBody.info?.description) info.textContent = documentBody.info.description;

  const groups = new Map();
  for (const [path, item] of Object.entries(documentBody.paths || {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = (operation.tags && operation.tags[0]) || '通用';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push({ path, method, operation, shared: item.parameters || [] });
    }
  }
  let tagIndex = 0;
  const sections = [];
  const links = [];
  for (const [tag, operations] of groups) {
    const id = `tag-${++tagIndex}`;
    links.push(h('li', {}, h('a', { href: `#${id}` }, tag, h('span', { class: 'count' }, ` ${operations.length}`))));
    sections.push(h('section', { class: 'api-group', id, 'aria-labelledby': `${id}-h` },
      h('h2', { id: `${id}-h` }, tag),
      operations.map((entry) => operationView(entry, documentBody))));
  }
  nav.replaceChildren(h('ul', { class: 'link-list' }, links));
  list.replaceChildren(...sections);
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

let counter = 0;

function operationView({ path, method, operation, shared }, documentBody) {
  const id = `op-${++counter}`;
  const parameters = [...shared, ...(operation.parameters || [])].map((p) => deref(p, documentBody));
  const body = operation.requestBody ? deref(operation.requestBody, documentBody) : null;
  const secured = (operation.security ?? documentBody.security ?? []).length > 0;
  const details = h('details', { class: 'api-operation', id },
    h('summary', {},
      h('span', { class: `method method--${method}` }, method.toUpperCase()),
      h('code', { class: 'api-path' }, path),
      h('span', { class: 'api-summary' }, operation.summary || ''),
      secured ? h('span', { class: 'tag' }, '需令牌') : null));
  let built = false;
  details.addEventListener('toggle', () => {
    // an operation's detail is built the first time it is opened: the page lists many
    if (!details.open || built) return;
    built = true;
    details.append(h('div', { class: 'api-detail' },
      operation.description ? h('p', {}, operation.description) : null,
      parameters.length ? parametersTable(parameters, documentBody) : null,
      body ? requestBodyView(body, documentBody) : null,
      responsesView(operation.responses || {}, documentBody),
      tryIt({ id, path, method, parameters, body, secured }, documentBody)));
  });
  return details;
}

function deref(item, documentBody) {
  if (!item || !item.$ref) return item;
  let target = documentBody;
  for (const part of item.$ref.slice(2).split('/')) target = target?.[part];
  return target || {};
}

function typeText(schema, documentBody) {
  const resolved = resolve(schema || {}, documentBody);
  let text = resolved.type || (resolved.properties ? 'object' : '');
  if (resolved.type === 'array') {
    const item = resolve(resolved.items || {}, documentBody);
    text = `array of ${item.type || 'object'}`;
  }
  if (resolved.format) text += ` (${resolved.format})`;
  if (resolved.nullable) text += ' | null';
  return text;
}

function constraints(schema) {
  const parts = [];
  if (Array.isArray(schema.enum)) parts.push(`可选：${schema.enum.join('、')}`);
  if (schema.maxLength !== undefined) parts.push(`最多 ${schema.maxLength} 字`);
  if (schema.minLength) parts.push(`至少 ${schema.minLength} 字`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minItems) parts.push(`至少 ${schema.minItems} 项`);
  if (schema.maxItems !== undefined) parts.push(`最多 ${schema.maxItems} 项`);
  if (schema.pattern) parts.push(`格式 ${schema.pattern}`);
  if (schema.default !== undefined && schema.default !== null) parts.push(`默认 ${JSON.stringify(schema.default)}`);
  return parts.join('；');
}

function parametersTable(parameters, documentBody) {
  return h('div', {}, h('h3', {}, '参数'), h('div', { class: 'table-scroll' }, h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['名称', '位置', '类型', '必填', '说明'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, parameters.map((p) => {
      const schema = resolve(p.schema || {}, documentBody);
      return h('tr', {}, h('td', {}, h('code', {}, p.name)), h('td', {}, p.in), h('td', {}, typeText(schema, documentBody)),
        h('td', {}, p.required ? '是' : '否'), h('td', {}, [p.description, constraints(schema)].filter(Boolean).join('；')));
    })))));
}

/** A schema as a nested list of its fields: name, official title, type, required, limits. */
export function schemaTree(schema, documentBody, depth = 0) {
  const resolved = resolve(schema || {}, documentBody);
  if (depth > 6) return h('span', { class: 'muted' }, '…');
  if (resolved.type === 'array') {
    const item = resolve(resolved.items || {}, documentBody);
    return item.properties ? schemaTree(item, documentBody, depth + 1) : null;
  }
  if (!resolved.properties) return null;
  const required = new Set(resolved.required || []);
  return h('ul', { class: 'schema-tree' }, Object.entries(resolved.properties).map(([name, property]) => {
    const field = resolve(property, documentBody);
    return h('li', {},
      h('code', {}, name), ' ',
      field.title ? h('strong', {}, field.title) : null, ' ',
      h('span', { class: 'schema-type' }, typeText(property, documentBody)),
      required.has(name) ? h('span', { class: 'tag' }, '必填') : null,
      [field.description, constraints(field)].filter(Boolean).length
        ? h('div', { class: 'muted small' }, [field.description, constraints(field)].filter(Boolean).join('；')) : null,
      schemaTree(property, documentBody, depth + 1));
  }));
}

function requestBodyView(body, documentBody) {
  const parts = [h('h3', {}, '请求体')];
  for (const [type, media] of Object.entries(body.content || {})) {
    parts.push(h('p', {}, h('code', {}, type), body.required ? '（必填）' : ''));
    const tree = schemaTree(media.schema, documentBody);
    if (tree) parts.push(tree);
  }
  return h('div', { class: 'api-body' }, parts);
}

function responsesView(responses, documentBody) {
  return h('div', {}, h('h3', {}, '响应'), h('ul', { class: 'link-list' },
    Object.entries(responses).map(([status, response]) => {
      const resolved = deref(response, documentBody);
      const types = Object.keys(resolved.content || {});
      return h('li', {}, h('code', {}, status), ' ', resolved.description || '',
        types.length ? h('span', { class: 'muted small' }, `（${types.join('，')}）`) : null);
    })));
}

// --- trying an operation -----------------------------------------------------------------------

function exampleBody(media, documentBody) {
  if (!media) return '';
  if (media.example !== undefined) return JSON.stringify(media.example, null, 2);
  const examples = Object.values(media.examples || {});
  if (examples.length && examples[0].value !== undefined) return JSON.stringify(examples[0].value, null, 2);
  return JSON.stringify(skeleton(media.schema, documentBody, 0), null, 2);
}

/** A value of the schema's shape to start typing from. */
function skeleton(schema, documentBody, depth) {
  const resolved = resolve(schema || {}, documentBody);
  if (depth > 5) return null;
  if (resolved.properties) {
    return Object.fromEntries(Object.entries(resolved.properties)
      .filter(([name]) => (resolved.required || []).includes(name))
      .map(([name, property]) => [name, skeleton(property, documentBody, depth + 1)]));
  }
  if (resolved.type === 'array') return [skeleton(resolved.items, documentBody, depth + 1)];
  if (Array.isArray(resolved.enum)) return resolved.enum[0];
  if (resolved.type === 'integer' || resolved.type === 'number') return 0;
  if (resolved.type === 'boolean') return false;
  return '';
}

function tryIt({ id, path, method, parameters, body, secured }, documentBody) {
  const inputs = [];
  const fields = parameters.filter((p) => ['path', 'query', 'header'].includes(p.in)).map((p) => {
    const schema = resolve(p.schema || {}, documentBody);
    const inputId = `${id}-p-${p.in}-${p.name}`;
    const control = Array.isArray(schema.enum)
      ? h('select', { id: inputId }, p.required ? null : h('option', { value: '' }, '（不填）'),
        schema.enum.map((v) => h('option', { value: String(v), selected: v === schema.default }, String(v))))
      : h('input', { type: 'text', id: inputId, value: schema.default ?? '', required: p.required });
    inputs.push({ parameter: p, control });
    return h('div', { class: 'field' }, h('label', { for: inputId, class: p.required ? 'required' : null },
      `${p.name}（${p.in}）`), control);
  });
  const tokenId = `${id}-token`;
  const token = secured ? h('input', { type: 'password', id: tokenId, autocomplete: 'off' }) : null;
  const contentTypes = Object.keys(body?.content || {});
  const jsonType = contentTypes.find((type) => type.includes('json'));
  const multipartType = contentTypes.find((type) => type.startsWith('multipart/'));
  const bodyId = `${id}-body`;
  const bodyText = jsonType ? h('textarea', { id: bodyId, rows: 12, spellcheck: 'false', class: 'code-input' }) : null;
  if (bodyText) bodyText.value = exampleBody(body.content[jsonType], documentBody);
  const fileFields = !jsonType && multipartType ? multipartFields(body.content[multipartType], documentBody, id) : [];
  const output = h('div', { class: 'api-response', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit' }, '发送请求');
  const form = h('form', { class: 'api-try', 'aria-label': `试用 ${method.toUpperCase()} ${path}` },
    h('h3', {}, '试一试'),
    h('div', { class: 'fields' }, fields),
    token ? h('div', { class: 'field' }, h('label', { for: tokenId }, '访问令牌（Bearer）'), token) : null,
    bodyText ? h('div', { class: 'field' }, h('label', { for: bodyId }, `请求体（${jsonType}）`), bodyText) : null,
    fileFields.map((f) => f.element),
    h('div', { class: 'actions' }, send), output);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    const headers = { Accept: 'application/json, */*' };
    for (const { parameter, control } of inputs) {
      const value = control.value.trim();
      if (!value) continue;
      if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else if (parameter.in === 'query') query.set(parameter.name, value);
      else headers[parameter.name] = value;
    }
    if (token && token.value.trim()) headers.Authorization = `Bearer ${token.value.trim()}`;
    const options = { method: method.toUpperCase(), headers, credentials: 'same-origin' };
    if (bodyText) {
      headers['Content-Type'] = jsonType;
      options.body = bodyText.value;
    } else if (fileFields.length) {
      const data = new FormData();
      for (const f of fileFields) {
        if (f.control.type === 'file') {
          for (const file of f.control.files) data.append(f.name, file);
        } else if (f.control.value) data.append(f.name, f.control.value);
      }
      options.body = data;
    }
    const target = query.toString() ? `${url}?${query}` : url;
    send.disabled = true;
    output.replaceChildren(h('p', { class: 'muted' }, '请求中……'));
    const started = performance.now();
    try {
      const response = await fetch(target, options);
      output.replaceChildren(...await responseView(response, Math.round(performance.now() - started), target, method));
    } catch (error) {
      output.replaceChildren(h('p', { class: 'notice notice--error' }, `请求失败：${error.message}`));
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

function multipartFields(media, documentBody, id) {
  const schema = resolve(media.schema || {}, documentBody);
  return Object.entries(schema.properties || {}).map(([name, property]) => {
    const field = resolve(property, documentBody);
    const inputId = `${id}-f-${name}`;
    const binary = field.format === 'binary' || field.contentMediaType || field.contentEncoding;
    const control = h('input', { type: binary ? 'file' : 'text', id: inputId });
    return {
      name, control,
      element: h('div', { class: 'field' }, h('label', { for: inputId }, `${name}${field.title ? `（${field.title}）` : ''}`), control),
    };
  });
}

async function responseView(response, milliseconds, target, method) {
  const type = response.headers.get('Content-Type') || '';
  const head = h('p', { class: `api-status api-status--${response.ok ? 'ok' : 'error'}` },
    h('strong', {}, `${response.status} ${response.statusText}`), ` · ${milliseconds} ms · `,
    h('code', {}, `${method.toUpperCase()} ${target}`));
  const headers = h('pre', { class: 'api-headers' }, ['content-type', 'content-disposition', 'x-formsvc-warnings', 'location']
    .filter((name) => response.headers.get(name)).map((name) => `${name}: ${response.headers.get(name)}\n`).join(''));
  if (type.includes('json')) {
    const text = await response.text();
    let pretty = text;
    try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (error) { /* shown as it came */ }
    return [head, headers, h('pre', { class: 'api-json' }, pretty)];
  }
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get('Content-Disposition'), 'response');
  const url = URL.createObjectURL(blob);
  return [head, headers, h('p', {}, `${blob.size.toLocaleString('zh-CN')} 字节 `,
    h('a', { class: 'button button--secondary button--small', href: url, download: name }, `保存 ${name}`))];
}
