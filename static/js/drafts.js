// Drafts of a form page, the same for every form: what is typed is kept in the tab (reload and Back
// bring it back), leaving with unsaved changes asks first, and the filled form can be saved as a
// file and opened again — tomorrow, or on another computer.
//
// The tab's copy lives in sessionStorage, never localStorage: a form holds identity numbers and
// photos, and on a shared office computer those must not outlive the tab that typed them.
// Nothing here knows a form by name: the form's id and title come from the page, the data from
// the widget tree (schema-form.js), whose get()/set() round-trip every field, list and photo.
'use strict';

import { h, saveBlob } from './lib.js';
import { widgetKind } from './schema-form.js';

/** What a draft file says it is; a file of a later version is refused, not half-read. */
export const DRAFT_KIND = 'formsvc-draft';
export const DRAFT_VERSION = 1;
/** How long typing may pause before the tab's copy is written. */
const KEEP_DELAY = 300;

/** The sessionStorage key of a form's draft. */
export const storageKey = (formId) => `formsvc:draft:${formId}`;

function megabytes(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

/** A filled form as a draft file's content (also what the tab keeps). */
export function draftOf(formId, formTitle, data, now = new Date()) {
  return { kind: DRAFT_KIND, version: DRAFT_VERSION, form: formId, form_title: formTitle,
    saved_at: now.toISOString(), data };
}

/**
 * The data of a draft file's text for formId, or {error} saying in Chinese what is wrong.
 * `size` is the file's size in bytes, `maxBytes` the largest draft accepted.
 */
export function readDraft(text, { formId, formTitle, size, maxBytes }) {
  if (size > maxBytes) {
    return { error: `文件过大（${megabytes(size)}），草稿文件不能超过 ${megabytes(maxBytes)}：请选择本页“保存草稿文件”得到的文件。` };
  }
  if (!text.trim()) return { error: '文件是空的，不是草稿文件：请选择本页“保存草稿文件”得到的文件。' };
  let draft;
  try {
    draft = JSON.parse(text);
  } catch (error) {
    return { error: '文件无法按 JSON 读取，不是本系统保存的草稿文件，或已损坏：请选择本页“保存草稿文件”得到的 .json 文件。' };
  }
  if (!draft || typeof draft !== 'object' || Array.isArray(draft) || draft.kind !== DRAFT_KIND) {
    return { error: '这不是本系统保存的草稿文件（缺少草稿标识）：请选择本页“保存草稿文件”得到的文件。' };
  }
  if (!Number.isInteger(draft.version) || draft.version < 1) {
    return { error: '草稿文件的版本号无效，文件可能已被改动：请重新保存草稿。' };
  }
  if (draft.version > DRAFT_VERSION) {
    return { error: `草稿文件的版本（${draft.version}）比本页面（${DRAFT_VERSION}）新，无法读取：请刷新页面后重试。` };
  }
  if (draft.form !== formId) {
    const other = typeof draft.form_title === 'string' && draft.form_title ? draft.form_title : String(draft.form);
    return { error: `这是《${other}》的草稿，不是《${formTitle}》的：请到《${other}》的填写页面打开它。` };
  }
  if (!draft.data || typeof draft.data !== 'object' || Array.isArray(draft.data)) {
    return { error: '草稿文件中没有表格内容（data），文件可能已被改动：请重新保存草稿。' };
  }
  return { data: draft.data, savedAt: draft.saved_at };
}

/** data without the values of file widgets (photos): what the tab keeps when photos do not fit. */
function withoutFiles(root, data) {
  const copy = JSON.parse(JSON.stringify(data));
  root.walk((node) => {
    if (widgetKind(node.schema) !== 'file' || !node.path.length) return;
    let parent = copy;
    for (const part of node.path.slice(0, -1)) parent = parent?.[part];
    if (parent && typeof parent === 'object') delete parent[node.path[node.path.length - 1]];
  });
  return copy;
}

/** Marks the fields that hold a value as touched, so that their problems show as if typed. */
function touchFilled(root) {
  root.walk((node) => {
    if (!node.control) return;
    const value = node.get();
    if (value !== undefined && value !== false) node.touched = true;
  });
}

function savedTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString('zh-CN', { hour12: false });
}

/**
 * Drafts for the form page `page` whose widget tree is `root`. `onLoaded()` runs after a draft
 * was put into the form (to check it). Returns what the page calls when the data changes
 * (changed), has been saved as a document (saved), or was cleared (cleared).
 */
export function startDrafts(page, root, { onLoaded }) {
  const formId = page.dataset.formId;
  const formTitle = page.dataset.formTitle;
  const maxBytes = Number(page.dataset.draftMaxBytes) || 16 * 1024 * 1024;
  const key = storageKey(formId);
  const status = page.querySelector('[data-draft-status]');
  const snapshot = () => JSON.stringify(root.get());
  const empty = snapshot();
  // the data as last saved (a document downloaded, a draft file saved or opened, the sample)
  let baseline = empty;
  let timer = null;

  const say = (text, kind = 'info') => {
    if (!status) return;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    status.replaceChildren(text ? h('p', { class: `notice notice--${kind}` }, text) : '');
  };

  const dirty = () => {
    const now = snapshot();
    return now !== baseline && now !== empty;
  };

  /** Writes the tab's copy (or removes it when the form is empty). */
  function keep() {
    clearTimeout(timer);
    timer = null;
    const data = root.get();
    if (JSON.stringify(data) === empty) {
      sessionStorage.removeItem(key);
      return;
    }
    try {
      sessionStorage.setItem(key, JSON.stringify(draftOf(formId, formTitle, data)));
    } catch (error) {
      // the tab's storage holds a few megabytes: a large photo may not fit, the text always does
      try {
        sessionStorage.setItem(key, JSON.stringify(draftOf(formId, formTitle, withoutFiles(root, data))));
        say('照片较大，未能暂存在本标签页中：刷新页面后需重新选择照片（其余内容已暂存）。要完整保留，请保存草稿文件。', 'warning');
      } catch (again) {
        say('浏览器的暂存空间已满，本页内容未能暂存：请保存草稿文件，以免丢失。', 'warning');
      }
    }
  }

  function load(data) {
    root.set(data);
    root.walk((node) => { node.touched = false; });
    touchFilled(root);
    keep();
    onLoaded();
  }

  // what this tab typed before a reload or Back
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch (error) {
    kept = null;
  }
  if (kept && kept.kind === DRAFT_KIND && kept.version === DRAFT_VERSION && kept.form === formId
      && kept.data && typeof kept.data === 'object') {
    load(kept.data);
    const time = savedTime(kept.saved_at);
    say(`已恢复本标签页中未完成的填写${time ? `（${time}）` : ''}。关闭标签页后暂存内容即清除；要改天或在其他电脑上继续，请保存草稿文件。`);
  }

  window.addEventListener('beforeunload', (event) => {
    if (!dirty()) return;
    // the browser shows its own question (它不显示页面给的文字)
    event.preventDefault();
    event.returnValue = '';
  });
  // the last keystrokes before leaving are kept even if the pause has not passed
  window.addEventListener('pagehide', () => { if (timer !== null) keep(); });

  page.querySelector('[data-action="save-draft"]')?.addEventListener('click', () => {
    const data = root.get();
    const stamp = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    const name = `${formTitle.replace(/[＿_]+/g, '')}-草稿-${stamp.getFullYear()}${pad(stamp.getMonth() + 1)}`
      + `${pad(stamp.getDate())}-${pad(stamp.getHours())}${pad(stamp.getMinutes())}.json`;
    const text = JSON.stringify(draftOf(formId, formTitle, data, stamp), null, 2);
    saveBlob(new Blob([text], { type: 'application/json' }), name);
    baseline = JSON.stringify(data);
    say(`草稿已保存为文件：${name}。在本机或其他电脑上打开本页，选“打开草稿文件”即可继续填写。`, 'success');
  });

  const input = page.querySelector('[data-draft-file]');
  input?.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    // the size first: a huge file is refused before it is read into memory
    const text = file.size > maxBytes ? '' : await file.text();
    const result = readDraft(text, { formId, formTitle, size: file.size, maxBytes });
    if (result.error) {
      say(`未打开“${file.name}”：${result.error}`, 'error');
      return;
    }
    const known = Object.keys(root.fields || {});
    const ignored = Object.keys(result.data).filter((name) => known.length && !known.includes(name));
    load(result.data);
    baseline = snapshot();
    const time = savedTime(result.savedAt);
    say(`已打开草稿“${file.name}”${time ? `（保存于 ${time}）` : ''}，请核对后继续填写。`
      + (ignored.length ? `草稿中有本表没有的栏目（${ignored.join('、')}），已忽略。` : ''), 'success');
  });

  return {
    /** The data changed: keep it in the tab once typing pauses. */
    changed() {
      clearTimeout(timer);
      timer = setTimeout(keep, KEEP_DELAY);
    },
    /** The data as it is now has been saved elsewhere (a document downloaded, the sample). */
    saved() {
      baseline = snapshot();
      keep();
    },
    /** The form was emptied on purpose: nothing is kept. */
    cleared() {
      clearTimeout(timer);
      timer = null;
      sessionStorage.removeItem(key);
      baseline = empty;
      say('');
    },
  };
}
