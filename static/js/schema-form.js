// A fillable form built from a JSON Schema (the form's /schema): one widget per field, in schema order.
//
// Every widget is a node with get() (the JSON value, or undefined when left empty), set(value),
// focus() and a list for the messages the server returns for its path. Nothing here knows a form by
// name: labels are the fields' `title`s, choices their `enum`s, and the kind of box follows the type.
'use strict';

import { h } from './lib.js';

let uid = 0;
const nextId = (path) => `f-${path.length ? path.join('-') : 'root'}-${++uid}`.replace(/[^\w-]/g, '_');

/** The schema with $ref, single allOf and nullable anyOf resolved; `nullable` says null is allowed. */
export function resolve(schema, root) {
  let current = { ...schema };
  for (let guard = 0; guard < 20; guard += 1) {
    if (current.$ref) {
      const { $ref, ...rest } = current;
      const target = lookup(root, $ref);
      // a referenced model's title and description are its class name and docstring: the
      // property's own title and description are the ones a person reads
      const { title, description, ...definition } = target;
      current = { ...definition, ...rest };
    } else if (Array.isArray(current.allOf) && current.allOf.length === 1) {
      const { allOf, ...rest } = current;
      current = { ...allOf[0], ...rest };
    } else if (Array.isArray(current.anyOf) || Array.isArray(current.oneOf)) {
      const key = current.anyOf ? 'anyOf' : 'oneOf';
      const { [key]: members, ...rest } = current;
      const present = members.filter((member) => member.type !== 'null');
      const nullable = present.length < members.length || rest.nullable;
      if (present.length === 1) {
        current = { ...present[0], ...rest, nullable };
      } else if (present.length && present.every((member) => 'const' in member)) {
        current = { ...rest, type: 'string', enum: present.map((member) => member.const), nullable };
      } else {
        current = { ...rest, type: 'string', nullable };
      }
    } else if (Array.isArray(current.type)) {
      const types = current.type.filter((type) => type !== 'null');
      current = { ...current, type: types[0] || 'string', nullable: types.length < current.type.length };
    } else {
      return current;
    }
  }
  return current;
}

function lookup(root, ref) {
  if (!ref.startsWith('#/')) return {};
  let target = root;
  for (const part of ref.slice(2).split('/')) {
    target = target ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return target || {};
}

/** The kind of widget a resolved schema asks for. */
export function widgetKind(schema) {
  if (schema.type === 'object' || schema.properties) return 'object';
  if (schema.type === 'array') return 'array';
  if (Array.isArray(schema.enum)) return 'select';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.format === 'binary' || schema.contentEncoding === 'base64'
      || String(schema.contentMediaType || '').startsWith('image/')) return 'file';
  if (schema.format === 'date') return 'date';
  if (schema['x-widget'] === 'textarea') return 'textarea';
  return 'text';
}

const BUILDERS = {
  object: objectNode,
  array: arrayNode,
  select: selectNode,
  checkbox: checkboxNode,
  number: numberNode,
  file: fileNode,
  date: dateNode,
  textarea: textareaNode,
  text: textNode,
};

/** The widget tree of a form: `root` is the form's whole schema. */
export function buildForm(schema, { onChange }) {
  const context = { root: schema, onChange };
  return build(schema, [], { required: true, label: null }, context);
}

function build(schema, path, place, context) {
  const resolved = resolve(schema, context.root);
  return BUILDERS[widgetKind(resolved)](resolved, path, place, context);
}

// --- messages beside a widget -------------------------------------------------------------------

function messageList(id) {
  return h('ul', { class: 'field-messages', id, 'aria-live': 'polite' });
}

function baseNode(schema, path, place) {
  return {
    schema,
    path,
    required: place.required,
    touched: false,
    messages: [],
    children() { return []; },
    walk(visit) {
      visit(this);
      for (const child of this.children()) child.walk(visit);
    },
    isTouched() { return this.touched || this.children().some((child) => child.isTouched()); },
    clearMessages() {
      this.messages = [];
      this.render();
    },
    addMessage(kind, text) {
      this.messages.push({ kind, text });
      this.render();
    },
    render() {
      if (!this.messageElement) return;
      this.messageElement.replaceChildren(
        ...this.messages.map((m) => h('li', { class: m.kind === 'error' ? 'is-error' : 'is-warning' },
          h('span', { class: 'visually-hidden' }, m.kind === 'error' ? '错误：' : '提示：'), m.text)),
      );
      const errors = this.messages.some((m) => m.kind === 'error');
      const warnings = this.messages.some((m) => m.kind === 'warning');
      this.wrapper?.classList.toggle('field--error', errors);
      this.wrapper?.classList.toggle('field--warning', warnings && !errors);
      if (this.control) {
        if (errors) this.control.setAttribute('aria-invalid', 'true');
        else this.control.removeAttribute('aria-invalid');
      }
    },
  };
}

function hintText(schema) {
  const parts = [];
  // English text is a model's docstring, and a date picker needs no spelling hint
  const skip = /^[\x20-\x7e]+$/.test(schema.description || '')
    || (widgetKind(schema) === 'date' && /YYYY/.test(schema.description || ''));
  // a file's description goes on to say how the API takes it (base64, multipart): the page
  // needs only its first clause
  const description = widgetKind(schema) === 'file' ? (schema.description || '').split('；')[0] : schema.description;
  if (description && !skip) parts.push(description);
  if (Array.isArray(schema.examples) && schema.examples.length && typeof schema.examples[0] !== 'object') {
    parts.push(`例：${schema.examples[0]}`);
  }
  if (schema.maxLength && schema.maxLength < 1000) parts.push(`不超过 ${schema.maxLength} 字`);
  return parts.join('；');
}

/** label + hint + control + messages, the frame of every single-value widget. */
function fieldFrame(node, control, place, { inline = false } = {}) {
  const id = control.id;
  const hint = hintText(node.schema);
  const hintId = hint ? `${id}-hint` : null;
  const messagesId = `${id}-msg`;
  control.setAttribute('aria-describedby', [hintId, messagesId].filter(Boolean).join(' '));
  if (node.required && !node.schema.nullable) control.setAttribute('aria-required', 'true');
  control.dataset.path = JSON.stringify(node.path);
  const label = h('label', { for: id, class: node.required && !node.schema.nullable ? 'required' : null },
    place.label ?? node.schema.title ?? '');
  node.messageElement = messageList(messagesId);
  node.control = control;
  const wide = ['textarea', 'file'].includes(widgetKind(node.schema))
    || (node.schema.maxLength || 0) > 60;
  node.wrapper = inline
    ? h('div', { class: 'field field--checkbox' }, control, label,
      hint ? h('span', { class: 'field__hint', id: hintId }, hint) : null, node.messageElement)
    : h('div', { class: `field${wide ? ' field--wide' : ''}` }, label,
      hint ? h('span', { class: 'field__hint', id: hintId }, hint) : null, control, node.messageElement);
  node.element = node.wrapper;
  const touch = () => {
    node.touched = true;
  };
  control.addEventListener('change', touch);
  control.addEventListener('blur', touch);
  node.focus = () => control.focus();
  return node;
}

function listen(control, context, events = ['input', 'change']) {
  for (const event of events) control.addEventListener(event, () => context.onChange());
}

// --- single values ------------------------------------------------------------------------------

function textNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('input', { type: 'text', id: nextId(path), name: path.join('.'), autocomplete: 'off' });
  listen(control, context);
  node.get = () => (control.value.trim() === '' ? undefined : control.value);
  node.set = (value) => {
    control.value = value === undefined || value === null ? '' : String(value);
  };
  return fieldFrame(node, control, place);
}

function textareaNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('textarea', { id: nextId(path), name: path.join('.'), rows: 6 });
  listen(control, context);
  node.get = () => (control.value.trim() === '' ? undefined : control.value);
  node.set = (value) => {
    control.value = value === undefined || value === null ? '' : String(value);
  };
  return fieldFrame(node, control, place);
}

const DATE_SPELLINGS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/, /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/, /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$/,
];

/** A date in any of the official spellings as the YYYY-MM-DD a date box holds. */
export function isoDate(value) {
  const text = String(value ?? '').trim();
  for (const pattern of DATE_SPELLINGS) {
    const match = pattern.exec(text);
    if (match) return `${match[1]}-${match[2].padStart(2, '0')}-${match[3].padStart(2, '0')}`;
  }
  return text;
}

function dateNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('input', { type: 'date', id: nextId(path), name: path.join('.'), min: '1900-01-01' });
  listen(control, context);
  node.get = () => {
    if (control.value) return control.value;
    // a half-typed date is not empty: say so rather than dropping it
    return control.validity.badInput ? '日期不完整' : undefined;
  };
  node.set = (value) => {
    control.value = value ? isoDate(value) : '';
  };
  return fieldFrame(node, control, place);
}

function numberNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('input', {
    type: 'number', id: nextId(path), name: path.join('.'),
    inputmode: schema.type === 'integer' ? 'numeric' : 'decimal',
    step: schema.type === 'integer' ? 1 : 'any',
    min: schema.minimum ?? schema.exclusiveMinimum, max: schema.maximum ?? schema.exclusiveMaximum,
  });
  listen(control, context);
  node.get = () => {
    if (control.validity.badInput) return control.value || '无法识别的数字';
    if (control.value === '') return undefined;
    return Number(control.value);
  };
  node.set = (value) => {
    control.value = value === undefined || value === null ? '' : String(value);
  };
  return fieldFrame(node, control, place);
}

function selectNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('select', { id: nextId(path), name: path.join('.') },
    h('option', { value: '' }, '请选择'),
    schema.enum.map((choice) => h('option', { value: String(choice) }, String(choice))));
  listen(control, context, ['change']);
  node.get = () => {
    if (control.value === '') return undefined;
    return schema.enum.find((choice) => String(choice) === control.value);
  };
  node.set = (value) => {
    control.value = value === undefined || value === null ? '' : String(value);
  };
  return fieldFrame(node, control, place);
}

function checkboxNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const control = h('input', { type: 'checkbox', id: nextId(path), name: path.join('.') });
  listen(control, context, ['change']);
  node.get = () => control.checked;
  node.set = (value) => {
    control.checked = Boolean(value ?? schema.default);
  };
  node.set(undefined);
  return fieldFrame(node, control, place, { inline: true });
}

const IMAGE_TYPES = 'image/jpeg,image/png';

/** A photo: chosen from disk, shown at once, sent as base64 text inside the JSON. */
function fileNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const mediaType = schema.contentMediaType && schema.contentMediaType !== 'image/*'
    ? schema.contentMediaType : IMAGE_TYPES;
  const control = h('input', { type: 'file', id: nextId(path), name: path.join('.'), accept: mediaType });
  const thumbnail = h('img', { class: 'photo-preview', alt: `${schema.title || '照片'}预览`, hidden: true });
  let value;
  let dataUrl = null;
  const show = () => {
    thumbnail.hidden = !dataUrl;
    if (dataUrl) thumbnail.src = dataUrl;
    else thumbnail.removeAttribute('src');
    clear.hidden = !dataUrl;
  };
  const clear = h('button', {
    type: 'button', class: 'button--secondary button--small', hidden: true,
    onclick: () => {
      value = undefined;
      dataUrl = null;
      control.value = '';
      show();
      context.onChange();
    },
  }, `移除${schema.title || '照片'}`);
  control.addEventListener('change', () => {
    const file = control.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      dataUrl = String(reader.result);
      // the schema's contentEncoding base64 is the bare base64 text, without the data: prefix
      value = schema.contentEncoding === 'base64' ? dataUrl.slice(dataUrl.indexOf(',') + 1) : dataUrl;
      show();
      context.onChange();
    });
    reader.readAsDataURL(file);
  });
  node.get = () => value;
  node.set = (newValue) => {
    value = newValue || undefined;
    control.value = '';
    if (!value) dataUrl = null;
    else if (String(value).startsWith('data:')) dataUrl = String(value);
    else dataUrl = `data:${/^\/9j\//.test(value) ? 'image/jpeg' : 'image/png'};base64,${value}`;
    show();
  };
  fieldFrame(node, control, place);
  node.wrapper.append(h('div', { class: 'photo-box' }, thumbnail, clear));
  return node;
}

// --- groups -------------------------------------------------------------------------------------

function objectNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const required = new Set(schema.required || []);
  const properties = Object.entries(schema.properties || {});
  const fields = properties.map(([name, property]) => [
    name, build(property, [...path, name], { required: required.has(name), label: null }, context),
  ]);
  node.fields = Object.fromEntries(fields);
  node.children = () => fields.map(([, child]) => child);
  node.messageElement = messageList(`${nextId(path)}-msg`);
  const body = h('div', { class: 'fields' }, fields.map(([, child]) => child.element));
  if (place.legend === false || path.length === 0) {
    node.wrapper = h('div', { class: 'field-group' }, node.messageElement, body);
  } else {
    node.wrapper = h('fieldset', { class: 'field-group' },
      h('legend', {}, place.label ?? schema.title ?? ''), node.messageElement, body);
  }
  node.element = node.wrapper;
  node.get = () => {
    const value = {};
    for (const [name, child] of fields) {
      const childValue = child.get();
      if (childValue !== undefined) value[name] = childValue;
    }
    return Object.keys(value).length || path.length === 0 ? value : undefined;
  };
  node.set = (value) => {
    for (const [name, child] of fields) child.set(value ? value[name] : undefined);
  };
  node.focus = () => fields[0]?.[1].focus();
  return node;
}

/** Repeating rows: one group per item, rows added and removed by the person filling the form. */
function arrayNode(schema, path, place, context) {
  const node = baseNode(schema, path, place);
  const itemSchema = schema.items || { type: 'string' };
  const itemKind = widgetKind(resolve(itemSchema, context.root));
  const min = schema.minItems || 0;
  const max = schema.maxItems ?? Infinity;
  const title = place.label ?? schema.title ?? '';
  const fixed = min === max;
  let items = [];
  const list = h('ol', { class: 'rows' });
  const addButton = h('button', {
    type: 'button', class: 'button--secondary button--small add-row',
    onclick: () => {
      const values = items.map((item) => item.get());
      values.push(undefined);
      node.set(values);
      items[items.length - 1].focus();
      context.onChange();
    },
  }, `＋ 添加${title}`);
  node.messageElement = messageList(`${nextId(path)}-msg`);
  node.wrapper = h('fieldset', { class: 'field-group field-group--rows' },
    h('legend', { class: node.required ? 'required' : null }, title),
    schema.description && !/^[\x20-\x7e]+$/.test(schema.description)
      ? h('p', { class: 'field__hint' }, schema.description) : null,
    node.messageElement, list, fixed ? null : h('div', { class: 'row-actions' }, addButton));
  node.element = node.wrapper;
  node.children = () => items;

  const remove = (index) => {
    const values = items.map((item) => item.get());
    values.splice(index, 1);
    node.set(values);
    const target = items[Math.min(index, items.length - 1)];
    if (target) target.focus();
    else addButton.focus();
    context.onChange();
  };

  node.set = (value) => {
    const values = Array.isArray(value) ? value.slice(0, max) : [];
    while (values.length < min) values.push(undefined);
    items = values.map((itemValue, index) => {
      const rowLabel = `${title}第${index + 1}${itemKind === 'object' ? '项' : '行'}`;
      const item = build(itemSchema, [...path, index], { required: true, label: rowLabel }, context);
      item.set(itemValue);
      return item;
    });
    list.replaceChildren(...items.map((item, index) => h('li', { class: 'row' },
      item.element,
      fixed ? null : h('button', {
        type: 'button', class: 'button--secondary button--small remove-row',
        'aria-label': `删除${title}第${index + 1}项`,
        disabled: items.length <= min,
        onclick: () => remove(index),
      }, '删除'))));
    addButton.disabled = items.length >= max;
  };
  node.get = () => {
    const values = items.map((item) => {
      const itemValue = item.get();
      // an empty row stays in place, so that the server's row numbers match the rows on screen
      if (itemValue !== undefined) return itemValue;
      return itemKind === 'object' ? {} : null;
    });
    if (!values.length && !node.required) return undefined;
    return values;
  };
  node.focus = () => (items[0] ? items[0].focus() : addButton.focus());
  node.set(undefined);
  return node;
}

/** The node whose path is the longest prefix of loc: a message lands on the nearest widget. */
export function nodeFor(root, loc) {
  const byPath = new Map();
  root.walk((node) => byPath.set(JSON.stringify(node.path), node));
  for (let length = loc.length; length >= 0; length -= 1) {
    const found = byPath.get(JSON.stringify(loc.slice(0, length)));
    if (found) return found;
  }
  return root;
}
